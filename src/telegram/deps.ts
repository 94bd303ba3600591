import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ClientsService } from '../clients/clients.service.js';
import type { AccountService } from '../operators/operators.account.js';
import type { AuthService } from '../operators/operators.auth.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import type { AddressesService } from '../clients/addresses.service.js';
import type { RfqService } from '../trading/rfq.service.js';
import type { TradesService } from '../trading/trades.service.js';
import type { TelegramStore } from './telegram.store.js';

/** What the bot's features call: domain services only (and the bot's own state store). */
export interface BotDeps {
  store: TelegramStore;
  account: Pick<AccountService, 'consumeTelegramLinkCode' | 'unlinkTelegram' | 'operatorByTelegramId'>;
  auth: Pick<AuthService, 'confirmCode'>;
  approvals: Pick<ApprovalsService, 'cosign' | 'reject'>;
  queries: Pick<ApprovalQueries, 'list' | 'get'>;
  clients: ClientsService;
  /** Refused decision attempts go to the audit trail (who pressed whose button). */
  audit: Pick<AuditService, 'record'>;
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Base for "Open in console" links (PUBLIC_URL). */
  publicUrl: string;
  /** Updates per user per minute before the bot stops answering them for the rest of the minute. */
  rateLimitPerMinute: number;
  /** RFQs and accepts for /quote, the client's trades for /trades, payout addresses for /address. */
  trading: {
    rfqs: Pick<RfqService, 'request'>;
    trades: Pick<TradesService, 'accept' | 'list' | 'requestTradeCancel' | 'requestTradeAmend'>;
    addresses: Pick<AddressesService, 'request' | 'list'>;
  };
}

/** The console page of a change request ("Open in console" buttons). */
export const consoleUrl = (publicUrl: string, requestId: string) =>
  new URL(`/approvals/${encodeURIComponent(requestId)}`, publicUrl).toString();
