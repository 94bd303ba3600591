import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { ROLE_LABELS, ROLES, type ChangeRequest, type OperatorListItem, type Role } from '../../api/types';
import { FieldError, FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { FilingWarning } from '../../components/FilingWarning';

/** Files an `operator.role` request: a platform admin approves it, a risk officer co-signs it. */
export function RoleChange({ operator, onClose }: { operator: OperatorListItem; onClose: () => void }) {
  const holds = (r: Role) => operator.roles.includes(r);
  const [action, setAction] = useState<'grant' | 'revoke'>(ROLES.every(holds) ? 'revoke' : 'grant');
  const choices = ROLES.filter((r) => (action === 'grant' ? !holds(r) : holds(r)));
  const [role, setRole] = useState<Role | ''>(choices[0] ?? '');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<ChangeRequest | null>(null);
  const client = useQueryClient();
  const actionRef = useRef<HTMLSelectElement>(null);
  const roleRef = useRef<HTMLSelectElement>(null);
  const problem = splitProblem(error, { role: ['payload.role', 'role'], note: ['note'] });

  useEffect(() => actionRef.current?.focus(), []);
  useEffect(() => {
    if (problem.first === 'role') roleRef.current?.focus();
  }, [error]); // once per refusal

  const changeAction = (a: 'grant' | 'revoke') => {
    setAction(a);
    setRole(ROLES.filter((r) => (a === 'grant' ? !holds(r) : holds(r)))[0] ?? '');
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!role) return;
    setBusy(true);
    setError(null);
    try {
      const request = await api.post<ChangeRequest>('/api/approvals', {
        kind: 'operator.role',
        payload: { operatorId: operator.id, role, action },
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setFiled(request);
      setNote('');
      await client.invalidateQueries({ queryKey: ['approvals'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const idp = `role-${operator.id}`;
  return (
    <form
      className="role-panel"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label={`Propose a role change for ${operator.name}`}
    >
      <div className="role-form">
        <div>
          <label htmlFor={`${idp}-action`}>Change</label>
          <select
            ref={actionRef}
            id={`${idp}-action`}
            value={action}
            onChange={(e) => changeAction(e.target.value as 'grant' | 'revoke')}
          >
            <option value="grant" disabled={ROLES.every(holds)}>
              Grant
            </option>
            <option value="revoke" disabled={operator.roles.length === 0}>
              Revoke
            </option>
          </select>
        </div>
        <div>
          <label htmlFor={`${idp}-role`}>Role</label>
          <select
            ref={roleRef}
            id={`${idp}-role`}
            value={role}
            aria-invalid={problem.fields.role ? true : undefined}
            aria-describedby={problem.fields.role ? `${idp}-role-error` : undefined}
            onChange={(e) => setRole(e.target.value as Role)}
          >
            {choices.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          <FieldError id={`${idp}-role-error`} message={problem.fields.role} />
        </div>
        <div>
          <label htmlFor={`${idp}-note`}>Note for the approvers (optional)</label>
          <input
            id={`${idp}-note`}
            value={note}
            maxLength={2000}
            aria-invalid={problem.fields.note ? true : undefined}
            onChange={(e) => setNote(e.target.value)}
          />
          <FieldError id={`${idp}-note-error`} message={problem.fields.note} />
        </div>
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
          <button type="submit" disabled={busy || !role}>
            {busy ? 'Filing…' : `Propose ${action}`}
          </button>
        </div>
      </div>
      <p className="field-hint">
        Nothing changes until a platform admin approves the request and a risk officer co-signs it.
      </p>
      <FilingWarning kind="operator.role" />
      <FormError error={problem.form} />
      {filed && (
        <div className="notice" role="status" data-testid="role-request-filed">
          Request filed: <Link to={`/approvals/${filed.id}`}>{filed.summary}</Link>
        </div>
      )}
    </form>
  );
}
