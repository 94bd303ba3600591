import { useQueries, useQuery } from '@tanstack/react-query';
import { api, qs } from '../api/client';
import type { OperatorListItem } from '../api/types';
import { useSession } from '../app/session';

export const operatorsKey = ['operators'] as const;

export function useOperatorList(enabled = true) {
  return useQuery({
    queryKey: operatorsKey,
    queryFn: () => api.get<{ operators: OperatorListItem[] }>('/api/operators'),
    enabled,
    staleTime: 30_000,
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names for operator ids that flags and the audit trail carry. With `operators:read` the operator list
 * answers; otherwise, with `audit:read`, each operator's `operator.created` event (which records the
 * name) does; otherwise an id stays a short id. The signed-in operator is always "you".
 */
export function useOperatorNames(
  ids: readonly (string | null | undefined)[],
  /** Names the API already sent along (flags do): used first, so nothing more is fetched for them. */
  provided: readonly (readonly [string | null | undefined, string | null | undefined])[] = [],
): (id: string | null | undefined) => string {
  const { me, can } = useSession();
  const listAllowed = can('operators:read');
  const list = useOperatorList(listAllowed);
  const known = new Map<string, string>();
  for (const [id, name] of provided) if (id && name) known.set(id, name);
  for (const o of list.data?.operators ?? []) known.set(o.id, o.name);

  const unknown =
    listAllowed || !can('audit:read')
      ? []
      : [
          ...new Set(
            ids.filter((id): id is string => !!id && UUID.test(id) && id !== me?.id && !known.has(id)),
          ),
        ];
  const looked = useQueries({
    queries: unknown.map((id) => ({
      queryKey: ['operator-name', 'audit', id] as const,
      queryFn: async () => {
        const page = await api.get<{ events: { data: unknown }[] }>(
          `/api/audit${qs({ action: 'operator.created', entity: `operator:${id}`, limit: 1 })}`,
        );
        const data = page.events[0]?.data;
        return data && typeof data === 'object' && 'name' in data && typeof data.name === 'string'
          ? data.name
          : null;
      },
      staleTime: Infinity,
      retry: false,
    })),
  });
  unknown.forEach((id, i) => {
    const name = looked[i]?.data;
    if (name) known.set(id, name);
  });

  return (id) => {
    if (!id) return '—';
    if (me && id === me.id) return `${me.name} (you)`;
    return known.get(id) ?? (UUID.test(id) ? `operator ${id.slice(0, 8)}` : id);
  };
}
