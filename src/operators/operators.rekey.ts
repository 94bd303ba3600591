import { sql } from 'kysely';
import { withTransaction, type Db } from '../shared/db.js';
import type { Keyring } from '../shared/keyring.js';
import { createDataBox, sealedKeyId } from './operators.crypto.js';

/**
 * The operators' side of `desk secrets rotate data-key`: TOTP secrets (enrolled and pending) re-sealed
 * under the current data key in small batches, online. Each batch locks only its own rows (skipping
 * rows another transaction holds, which the next pass takes), so logins and enrolments go on.
 */
export interface TotpRekey {
  /** Re-seals up to `limit` secrets not under the current key; how many it moved. */
  batch(limit: number): Promise<number>;
  /** Sealed TOTP secrets by the data key they are under. */
  countByKey(): Promise<Record<string, number>>;
}

export function createTotpRekey(deps: {
  db: Db;
  keyring: Pick<Keyring, 'dataCurrent' | 'dataKey'>;
}): TotpRekey {
  const box = createDataBox(deps.keyring);
  const under = (column: 'mfa_secret_enc' | 'mfa_pending_secret_enc', prefix: string) =>
    sql<boolean>`(${sql.ref(column)} is not null and ${sql.ref(column)} not like ${`${prefix}%`})`;

  return {
    async batch(limit) {
      const { id } = await deps.keyring.dataCurrent();
      const prefix = id === 'env' ? 'v1.' : `v2.${id}.`;
      return withTransaction(deps.db, async (tx) => {
        const rows = await tx
          .selectFrom('operators')
          .select(['id', 'mfa_secret_enc', 'mfa_pending_secret_enc'])
          .where((eb) => eb.or([under('mfa_secret_enc', prefix), under('mfa_pending_secret_enc', prefix)]))
          .orderBy('id')
          .limit(limit)
          .forUpdate()
          .skipLocked()
          .execute();
        for (const row of rows) {
          const reseal = async (sealed: string | null) =>
            sealed === null || sealed.startsWith(prefix)
              ? sealed
              : box.seal(await box.open(sealed, row.id), row.id);
          await tx
            .updateTable('operators')
            .set({
              mfa_secret_enc: await reseal(row.mfa_secret_enc),
              mfa_pending_secret_enc: await reseal(row.mfa_pending_secret_enc),
            })
            .where('id', '=', row.id)
            .execute();
        }
        return rows.length;
      });
    },

    async countByKey() {
      const rows = await deps.db
        .selectFrom('operators')
        .select(['mfa_secret_enc', 'mfa_pending_secret_enc'])
        .where((eb) =>
          eb.or([eb('mfa_secret_enc', 'is not', null), eb('mfa_pending_secret_enc', 'is not', null)]),
        )
        .execute();
      const counts: Record<string, number> = {};
      for (const r of rows)
        for (const sealed of [r.mfa_secret_enc, r.mfa_pending_secret_enc])
          if (sealed) counts[sealedKeyId(sealed)] = (counts[sealedKeyId(sealed)] ?? 0) + 1;
      return counts;
    },
  };
}
