import type { AlertTables } from '../alerts/alerts.tables.js';
import type { ApprovalTables } from '../approvals/approvals.tables.js';
import type { AuditTables } from '../audit/audit.tables.js';
import type { ClientTables } from '../clients/clients.tables.js';
import type { FlagTables } from '../flags/flags.tables.js';
import type { NotificationTables } from '../notifications/notifications.tables.js';
import type { OperatorTables } from '../operators/operators.tables.js';
import type { TelegramTables } from '../telegram/telegram.tables.js';
import type { TradingTables } from '../trading/trading.tables.js';
import type { WalletTables } from '../wallets/wallets.tables.js';
import type { SettlementTables } from '../settlement/settlement.tables.js';
import type { EvmTables } from '../wallets/evm/evm.tables.js';
import type { SecretTables } from '../secrets/secrets.tables.js';

/**
 * The whole schema as Kysely sees it: each domain declares its own tables in `<domain>.tables.ts`
 * and is the only one that queries them.
 */
export interface Database
  extends
    AuditTables,
    OperatorTables,
    ApprovalTables,
    FlagTables,
    NotificationTables,
    ClientTables,
    TelegramTables,
    TradingTables,
    WalletTables,
    SettlementTables,
    AlertTables,
    EvmTables,
    SecretTables {}
