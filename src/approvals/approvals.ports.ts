import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Role } from '../shared/roles.js';
import type { Clock } from '../shared/clock.js';
import type { Db, Executor } from '../shared/db.js';
import type { EventPublisher } from '../shared/events.js';
import type { ApprovalMetrics } from './approvals.metrics.js';
import type { KindRegistry } from './approvals.registry.js';
import type { Approver } from './approvals.rules.js';

/** An operator as the engine needs to see them; supplied by the operators domain. */
export interface ApproverInfo extends Approver {
  name: string;
  email: string;
  telegramLinked: boolean;
}

export interface ApproverDirectory {
  get(db: Executor, id: string): Promise<ApproverInfo | undefined>;
  listActive(db: Executor): Promise<ApproverInfo[]>;
  /** Everyone, deactivated included (reports name past approvers too). */
  listAll(db: Executor): Promise<ApproverInfo[]>;
}

/** Who filed a request: an operator, a Telegram client, or the desk itself. */
export type Requester =
  { type: 'operator'; id: string } | { type: 'client'; id: string } | { type: 'system'; id: null };

/** The operator taking a decision, with the step-up window their session proved. */
export interface Decider {
  operatorId: string;
  stepUpUntil: Date | null;
  audit: AuditContext;
}

export interface ApprovalsDeps {
  db: Db;
  audit: AuditService;
  notifications: NotificationsService;
  clock: Clock;
  registry: KindRegistry;
  directory: ApproverDirectory;
  events: EventPublisher;
  metrics: ApprovalMetrics;
  /** APPROVALS_FILE_RATE_PER_MINUTE: requests one operator or client may file in any 60 seconds. */
  filingRatePerMinute: number;
}

export type { Role };
