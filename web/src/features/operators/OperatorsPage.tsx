import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, qs } from '../../api/client';
import { errorMessage } from '../../api/messages';
import { ROLE_LABELS, type OperatorListItem, type RequestPage, type Role } from '../../api/types';
import { useSession } from '../../app/session';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError } from '../../components/FormError';
import { dateTime } from '../../components/format';
import { useBootstrap } from '../../components/useBootstrap';
import { operatorsKey, useOperatorList } from '../../components/useOperatorNames';
import { AddOperator } from './AddOperator';
import { RoleChange } from './RoleChange';

interface PendingRole {
  id: string;
  role: Role;
  action: 'grant' | 'revoke';
  status: string;
}

/** Open `operator.role` requests by operator (under `['approvals']`, so the live stream refreshes them). */
function usePendingRoles(enabled: boolean) {
  const q = useQuery({
    queryKey: ['approvals', 'operator.role', 'open'],
    queryFn: () =>
      api.get<RequestPage>(
        `/api/approvals${qs({ kind: 'operator.role', status: 'pending,awaiting_secondary', limit: 200 })}`,
      ),
    enabled,
  });
  const byOperator = new Map<string, PendingRole[]>();
  for (const r of q.data?.items ?? []) {
    const p = r.payload as { operatorId?: string; role?: Role; action?: 'grant' | 'revoke' };
    if (!p.operatorId || !p.role || !p.action) continue;
    byOperator.set(p.operatorId, [
      ...(byOperator.get(p.operatorId) ?? []),
      { id: r.id, role: p.role, action: p.action, status: r.status },
    ]);
  }
  return { query: q, byOperator };
}

function YesNo({ yes, yesText, noText }: { yes: boolean; yesText: string; noText: string }) {
  return <span className={yes ? 'yes' : 'no'}>{yes ? `✓ ${yesText}` : noText}</span>;
}

/** Everyone who can sign in to the desk; platform admins add, propose role changes and deactivate. */
export function OperatorsPage() {
  const { me, can } = useSession();
  const manage = can('operators:write');
  const list = useOperatorList();
  const pending = usePendingRoles(can('approvals:read'));
  const bootstrap = useBootstrap(manage);
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [roleFor, setRoleFor] = useState<string | null>(null);
  const [deactivating, setDeactivating] = useState<OperatorListItem | null>(null);
  const [outcome, setOutcome] = useState<{ ok: string } | { error: unknown } | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);

  // A role request decided elsewhere (live events refresh the pending list) changes someone's roles.
  useEffect(() => {
    if (pending.query.dataUpdatedAt) void client.invalidateQueries({ queryKey: operatorsKey });
  }, [pending.query.dataUpdatedAt, client]);

  const deactivate = async (op: OperatorListItem) => {
    setDeactivating(null);
    setOutcome(null);
    try {
      await api.post(`/api/operators/${op.id}/deactivate`, {});
      setOutcome({ ok: `${op.name} was deactivated and signed out everywhere.` });
      await client.invalidateQueries({ queryKey: operatorsKey });
    } catch (err) {
      setOutcome({ error: err });
    }
  };

  const operators = list.data?.operators ?? [];
  return (
    <div className="screen operators-page">
      <div className="toolbar">
        <h1>Operators</h1>
        {manage && !adding && (
          <button ref={addButton} type="button" onClick={() => setAdding(true)}>
            Add operator
          </button>
        )}
      </div>
      {!manage && (
        <p className="lede">
          You can see who has access; only a platform admin can add operators, propose role changes or
          deactivate someone.
        </p>
      )}
      {manage && bootstrap.data?.active && (
        <p className="info-box" data-testid="bootstrap-active">
          The desk is in its bootstrap: invite your founding team with their roles on the{' '}
          <Link to="/founding-team">Founding team</Link> page, then end the bootstrap there.
        </p>
      )}
      {adding && (
        <AddOperator
          onClose={() => {
            setAdding(false);
            setTimeout(() => addButton.current?.focus());
          }}
        />
      )}
      {outcome && 'ok' in outcome && (
        <p className="notice" role="status" data-testid="operators-outcome">
          {outcome.ok}
        </p>
      )}
      {outcome && 'error' in outcome && <FormError error={outcome.error} />}
      {list.isLoading && (
        <p className="loading" role="status">
          Loading operators…
        </p>
      )}
      {list.isError && (
        <p className="form-error" role="alert">
          {errorMessage(list.error)}
        </p>
      )}
      {list.data && operators.length === 0 && <p className="empty">No operators yet.</p>}
      {operators.length > 0 && (
        <table className="data" data-testid="operators">
          <thead>
            <tr>
              <th scope="col">Operator</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">MFA</th>
              <th scope="col">Telegram</th>
              <th scope="col">Added</th>
              {manage && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {operators.map((o) => {
              const open = pending.byOperator.get(o.id) ?? [];
              const active = o.status === 'active';
              const isMe = o.id === me?.id;
              return (
                <Fragment key={o.id}>
                  <tr className={active ? undefined : 'deactivated'} data-testid={`operator-${o.email}`}>
                    <td>
                      <strong>{o.name}</strong>
                      {isMe && <span className="muted-text"> (you)</span>}
                      <div className="field-hint">{o.email}</div>
                    </td>
                    <td>
                      {o.roles.length === 0 && open.length === 0 && (
                        <span className="muted-text">no role</span>
                      )}
                      {o.roles.map((r) => (
                        <span key={r} className="role-chip">
                          {ROLE_LABELS[r]}
                        </span>
                      ))}
                      {open.map((p) => (
                        <Link
                          key={p.id}
                          to={`/approvals/${p.id}`}
                          className="pending-chip"
                          title="Open request: needs approval and a co-sign"
                        >
                          {p.action === 'grant' ? '+' : '−'} {ROLE_LABELS[p.role]} pending
                        </Link>
                      ))}
                    </td>
                    <td>{active ? 'Active' : <span className="status cancelled">Deactivated</span>}</td>
                    <td className="nowrap">
                      <YesNo yes={o.mfaEnrolled} yesText="Enrolled" noText="Not yet" />
                    </td>
                    <td className="nowrap">
                      <YesNo yes={o.telegramLinked} yesText="Linked" noText="Not linked" />
                    </td>
                    <td className="nowrap" title={dateTime(o.createdAt)}>
                      {new Date(o.createdAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}
                    </td>
                    {manage && (
                      <td className="row-actions">
                        {active && (
                          <>
                            <button
                              type="button"
                              className="secondary"
                              aria-expanded={roleFor === o.id}
                              onClick={() => setRoleFor(roleFor === o.id ? null : o.id)}
                              aria-label={`Propose a role change for ${o.name}`}
                            >
                              Roles…
                            </button>
                            {!isMe && (
                              <button
                                type="button"
                                className="danger"
                                onClick={() => setDeactivating(o)}
                                aria-label={`Deactivate ${o.name}`}
                              >
                                Deactivate
                              </button>
                            )}
                          </>
                        )}
                      </td>
                    )}
                  </tr>
                  {roleFor === o.id && (
                    <tr className="panel-row">
                      <td colSpan={7}>
                        <RoleChange operator={o} onClose={() => setRoleFor(null)} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={deactivating !== null}
        title={`Deactivate ${deactivating?.name ?? ''}?`}
        confirmLabel="Deactivate now"
        danger
        onConfirm={() => {
          if (deactivating) void deactivate(deactivating);
        }}
        onCancel={() => setDeactivating(null)}
      >
        <ul className="consequences">
          <li>
            {deactivating?.name} ({deactivating?.email}) is signed out of every session at once and can no
            longer sign in or decide anything.
          </li>
          <li>
            It takes effect immediately, without a second approver: removing access is the safe direction.
          </li>
          <li>Their past decisions and the audit trail stay as they are.</li>
        </ul>
      </ConfirmDialog>
    </div>
  );
}
