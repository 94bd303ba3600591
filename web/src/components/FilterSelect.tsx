/** One labelled filter above a list: "Any …" first, then each value in words. */
export function FilterSelect<V extends string>(props: {
  id: string;
  label: string;
  any: string;
  value: V | '';
  options: readonly V[];
  words: (v: V) => string;
  onChange: (v: V | '') => void;
}) {
  return (
    <div>
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value as V | '')}>
        <option value="">{props.any}</option>
        {props.options.map((v) => (
          <option key={v} value={v}>
            {props.words(v)}
          </option>
        ))}
      </select>
    </div>
  );
}
