/** What a paged list needs from TanStack Query's infinite query to show "N shown" and a button for more. */
export interface PagedList {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** The footer under a paged table: how many rows are shown, and a button for the older ones. */
export function LoadMore(props: {
  list: PagedList;
  shown: number;
  one: string;
  many: string;
  label?: string;
  className?: string;
}) {
  const { list, shown } = props;
  return (
    <div className={props.className ?? 'table-footer'}>
      <span className="muted-text" role="status">
        {shown} {shown === 1 ? props.one : props.many} shown{list.hasNextPage ? '; more are older' : ''}
      </span>
      {list.hasNextPage && (
        <button
          type="button"
          className="secondary"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? 'Loading…' : (props.label ?? 'Load more')}
        </button>
      )}
    </div>
  );
}
