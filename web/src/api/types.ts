/**
 * The console's names for the desk's API shapes. They are the generated types of /api/openapi.json
 * (schema.gen.ts, `npm run api:types`), so the console cannot drift from what the API returns.
 */
import type { components } from './schema.gen';

type Schemas = components['schemas'];

export type Role = Schemas['Me']['roles'][number];
export const ROLES: Role[] = ['ops_approver', 'risk_officer', 'platform_admin', 'auditor'];
export const ROLE_LABELS: Record<Role, string> = {
  ops_approver: 'Ops approver',
  risk_officer: 'Risk officer',
  platform_admin: 'Platform admin',
  auditor: 'Auditor',
};

export type Me = Schemas['Me'];
export type LoginResponse = Schemas['LoginResponse'];
export type RequestStatus = Schemas['ChangeRequest']['status'];
export type Person = Schemas['Person'];
export type DiffEntry = Schemas['DiffEntry'];
export type Policy = Schemas['Policy'];
export type ChangeRequest = Schemas['ChangeRequest'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type ChangeRequestDetail = Schemas['ChangeRequestDetail'];
export type RequestPage = Schemas['RequestPage'];
export type EligibleApprover = Schemas['EligibleApprover'];
export type Flag = Schemas['Flag'];
export type FlagDetail = Schemas['FlagDetail'];
export type OperatorListItem = Schemas['OperatorListItem'];
