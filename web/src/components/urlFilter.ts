import { useSearchParams } from 'react-router';

/** The value of a URL parameter when it is one of `all`, else '' (no filter). */
export function pickOne<T extends string>(all: readonly T[], v: string | null): T | '' {
  return all.find((x) => x === v) ?? '';
}

/**
 * A list's filters kept in the URL, so a link or a reload shows the same list: `read` turns the
 * parameters into the filter, and `update` writes the changed fields back (empty ones are left out).
 */
export function useUrlFilter<F extends { [K in keyof F]: string }>(
  read: (params: URLSearchParams) => F,
): [F, (next: Partial<F>) => void] {
  const [params, setParams] = useSearchParams();
  const filter = read(params);
  const update = (next: Partial<F>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries<string | undefined>({ ...filter, ...next })) if (v) p.set(k, v);
    setParams(p, { replace: true });
  };
  return [filter, update];
}
