import type { ColumnType } from 'kysely';

export type KeyPurpose = 'jwt' | 'audit' | 'data' | 'telegram';

export interface SecretKeysTable {
  id: string;
  purpose: KeyPurpose;
  source: 'ring' | 'env';
  /** The key material sealed under the master key (ring keys until pruned); null for env keys.
   *  telegram: JSON `{token, webhookSecret}`. */
  sealed: string | null;
  /** Audit keys: the Ed25519 public key, SPKI DER base64 (as checkpoints carry it). */
  public_key: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  retired_at: Date | null;
  pruned_at: Date | null;
}

export interface SecretTables {
  secret_keys: SecretKeysTable;
}
