import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { filingWarningText, useEligibility } from '../../components/FilingWarning';
import { FormError } from '../../components/FormError';
import { splitProblem } from '../../components/problems';
import { MIN_REASON, reasonLength } from '../../components/reason';
import { ReasonField } from '../../components/ReasonField';
import { bootstrapKey } from '../../components/useBootstrap';

/** Ends the bootstrap for good (POST /api/bootstrap/end, with a reason; audited as `bootstrap.ended`). */
export function EndBootstrap() {
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [localError, setLocalError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const client = useQueryClient();
  const ref = useRef<HTMLTextAreaElement>(null);
  const roleGrants = useEligibility('operator.role');
  const problem = splitProblem(error, { reason: ['reason'] });

  const ask = (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    if (reasonLength(reason) < MIN_REASON) {
      setLocalError(`needs at least ${MIN_REASON} characters: say why the founding team is complete`);
      ref.current?.focus();
      return;
    }
    setLocalError(undefined);
    setConfirming(true);
  };

  const end = async () => {
    setConfirming(false);
    try {
      await api.post('/api/bootstrap/end', { reason });
      await client.invalidateQueries({ queryKey: bootstrapKey });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="card" aria-labelledby="end-bootstrap-title">
      <h2 id="end-bootstrap-title">End the bootstrap</h2>
      <ul className="consequences">
        <li>From then on nobody gives a role directly: not this page, not the command line.</li>
        <li>
          A role becomes a request that needs two people: a platform admin other than the one asking approves
          it, and a risk officer co-signs it.
        </li>
        <li>It cannot be undone. It also ends by itself when the desk decides its first change request.</li>
      </ul>
      {roleGrants.data && !roleGrants.data.decidable && (
        <p className="notice warning" data-testid="end-bootstrap-warning">
          <strong>Too early:</strong> once the bootstrap is over a role needs a request, and with the people
          enrolled now nobody could decide one. {filingWarningText(roleGrants.data)}
        </p>
      )}
      <form onSubmit={ask} noValidate aria-labelledby="end-bootstrap-title">
        <ReasonField
          required
          ref={ref}
          id="end-bootstrap-reason"
          label="Why end it now?"
          value={reason}
          onChange={setReason}
          error={localError ?? problem.fields.reason}
        />
        <FormError error={problem.form} />
        <div className="actions">
          <button type="submit" className="danger">
            End bootstrap
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title="End the bootstrap for good?"
        confirmLabel="End bootstrap"
        danger
        onConfirm={() => void end()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Every role change after this needs a platform admin to approve it and a risk officer to co-sign it.
        </p>
      </ConfirmDialog>
    </section>
  );
}
