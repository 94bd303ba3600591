import type { ReactNode } from 'react';
import { errorMessage } from '../api/messages';

/**
 * What a list screen shows under its filters: the error, a loading line, the empty-list sentence (one
 * for "nothing matches these filters", one for a desk that has none yet), or the rows themselves.
 */
export function ListBody(props: {
  list: { isError: boolean; error: unknown; isPending: boolean };
  count: number;
  filtered: boolean;
  noMatch: string;
  none: string;
  emptyTestId: string;
  loading?: string;
  children: ReactNode;
}) {
  const { list } = props;
  if (list.isError)
    return (
      <p className="form-error" role="alert">
        {errorMessage(list.error)}
      </p>
    );
  if (list.isPending)
    return (
      <p className="loading" role="status">
        {props.loading ?? 'Loading…'}
      </p>
    );
  if (props.count === 0)
    return (
      <p className="empty" data-testid={props.emptyTestId}>
        {props.filtered ? props.noMatch : props.none}
      </p>
    );
  return <>{props.children}</>;
}
