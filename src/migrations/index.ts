import type { Migration } from 'kysely';
import * as m0001 from './0001_audit.js';
import * as m0002 from './0002_operators.js';
import * as m0003 from './0003_approvals.js';
import * as m0004 from './0004_flags.js';
import * as m0005 from './0005_telegram_links.js';
import * as m0006 from './0006_telegram.js';
import * as m0007 from './0007_clients.js';
import * as m0008 from './0008_trading.js';
import * as m0009 from './0009_client_api_keys.js';
import * as m0010 from './0010_pricing_spreads.js';
import * as m0011 from './0011_wallets.js';
import * as m0012 from './0012_settlement.js';
import * as m0013 from './0013_telegram_client_buttons.js';
import * as m0014 from './0014_change_requests_immutable.js';
import * as m0015 from './0015_session_revoked_event.js';
import * as m0016 from './0016_flag_outside_api_unforgeable.js';
import * as m0017 from './0017_alerts.js';
import * as m0020 from './0020_evm.js';
import * as m0021 from './0021_reconciliation.js';
import * as m0040 from './0040_operator_invitations.js';
import * as m0047 from './0047_console_clients.js';
import * as m0048 from './0048_overview_indexes.js';
import * as m0049 from './0049_quotes_received.js';
import * as m0050 from './0050_pricing_band.js';
import * as m0051 from './0051_approvals_notional.js';
import * as m0052 from './0052_approvals_floods.js';
import * as m0053 from './0053_secret_keys.js';
import * as m0054 from './0054_telegram_keys.js';

/**
 * Forward-only migrations, in order. Never edit one that has shipped: add the next file instead.
 * Each pending migration is applied in its own transaction (src/shared/migrate.ts): a failure rolls back
 * that migration only, keeps the ones before it, and exits non-zero naming it.
 */
export const migrations: Record<string, Migration> = {
  '0001_audit': m0001,
  '0002_operators': m0002,
  '0003_approvals': m0003,
  '0004_flags': m0004,
  '0005_telegram_links': m0005,
  '0006_telegram': m0006,
  '0007_clients': m0007,
  '0008_trading': m0008,
  '0009_client_api_keys': m0009,
  '0010_pricing_spreads': m0010,
  '0011_wallets': m0011,
  '0012_settlement': m0012,
  '0013_telegram_client_buttons': m0013,
  '0014_change_requests_immutable': m0014,
  '0015_session_revoked_event': m0015,
  '0016_flag_outside_api_unforgeable': m0016,
  '0017_alerts': m0017,
  '0020_evm': m0020,
  '0021_reconciliation': m0021,
  '0040_operator_invitations': m0040,
  '0047_console_clients': m0047,
  '0048_overview_indexes': m0048,
  '0049_quotes_received': m0049,
  '0050_pricing_band': m0050,
  '0051_approvals_notional': m0051,
  '0052_approvals_floods': m0052,
  '0053_secret_keys': m0053,
  '0054_telegram_keys': m0054,
};
