import { FieldError } from './FormError';

export const MIN_REASON = 10;
/** The server's rule: at least 10 characters once whitespace is removed. */
export const reasonLength = (s: string) => s.replace(/\s+/g, '').length;

interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error: string | undefined;
  hint?: string;
  ref?: React.Ref<HTMLTextAreaElement>;
}

/** A required reason with its rule and a live count in sight, and the refusal right under it. */
export function ReasonInput({ id, label, value, onChange, error, hint, ref }: Props) {
  const n = reasonLength(value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        ref={ref}
        id={id}
        value={value}
        maxLength={2000}
        aria-required="true"
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        onChange={(e) => onChange(e.target.value)}
      />
      <div id={`${id}-hint`} className="field-hint split">
        <span>{hint ?? `At least ${MIN_REASON} characters; kept in the audit trail.`}</span>
        <span className={`counter${n >= MIN_REASON ? ' enough' : ''}`} aria-hidden="true">
          {n >= MIN_REASON ? `${n} characters` : `${n} of ${MIN_REASON}`}
        </span>
      </div>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
