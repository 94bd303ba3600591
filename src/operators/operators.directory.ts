import type { ApproverDirectory, ApproverInfo } from '../approvals/approvals.ports.js';
import type { Executor } from '../shared/db.js';
import { findOperatorById, listOperators, type OperatorRow } from './operators.repo.js';

type Listed = Pick<
  OperatorRow,
  'id' | 'email' | 'name' | 'roles' | 'status' | 'mfa_enrolled_at' | 'telegram_user_id'
>;

function toApprover(o: Listed): ApproverInfo {
  return {
    id: o.id,
    name: o.name,
    email: o.email,
    roles: o.roles,
    active: o.status === 'active',
    mfaEnrolled: o.mfa_enrolled_at !== null,
    telegramLinked: o.telegram_user_id !== null,
  };
}

/** The operators domain's answer to "who is this person and may they decide?" for the approvals engine. */
export const operatorDirectory: ApproverDirectory = {
  async get(db: Executor, id: string) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const row = await findOperatorById(db, id);
    return row && toApprover(row);
  },
  async listActive(db: Executor) {
    return (await listOperators(db)).filter((o) => o.status === 'active').map(toApprover);
  },
  async listAll(db: Executor) {
    return (await listOperators(db)).map(toApprover);
  },
};
