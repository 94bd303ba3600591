import { Link } from 'react-router';

/** "Request filed": the link to it and what happens next. */
export function Filed({ id, what }: { id: string; what: string }) {
  return (
    <div className="notice" role="status" data-testid="filed-request">
      {what} <Link to={`/approvals/${id}`}>Open the request</Link>. Nothing changes until a primary approver
      approves it and the co-signer they name co-signs it.
    </div>
  );
}
