import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import { AppError } from '../shared/errors.js';
import type { FlagsService } from './flags.service.js';

const schema = z.object({ key: z.string().min(1).max(100), enabled: z.boolean() }).strict();
type FlagSet = z.infer<typeof schema>;

/** `flag.set`: turning a flag on or off, under dual control (the only way AUTO_SETTLEMENT goes on). */
export function flagSetKind(flags: FlagsService): KindDefinition<FlagSet> {
  return {
    kind: 'flag.set',
    schema,
    async describe(tx, p) {
      const flag = await flags.find(tx, p.key);
      if (!flag)
        throw new AppError('VALIDATION_FAILED', `There is no flag ${p.key}.`, [
          { path: 'payload.key', message: 'is not a flag' },
        ]);
      return {
        entity: { type: 'flag', id: p.key },
        version: flag.version,
        diff: [{ field: 'enabled', before: flag.enabled, after: p.enabled }],
        summary: `Turn ${p.key} ${p.enabled ? 'on' : 'off'}`,
      };
    },
    async validate(_tx, p, current) {
      const before = current.diff[0]?.before;
      if (before === p.enabled)
        throw new AppError('VALIDATION_FAILED', `${p.key} is already ${p.enabled ? 'on' : 'off'}.`, [
          { path: 'payload.enabled', message: 'is the current value' },
        ]);
    },
    async apply(tx, p, ctx) {
      const current = await flags.find(tx, p.key);
      // The "why" is the requester's own (the note filed with it), else the primary approver's rationale.
      const why =
        ctx.request?.note?.trim() ||
        ctx.request?.primaryReason?.trim() ||
        `approved change request ${ctx.requestId}`;
      await flags.apply(
        tx,
        {
          key: p.key,
          enabled: p.enabled,
          via: 'request',
          reason: why,
          requestId: ctx.requestId,
          ctx: ctx.audit,
        },
        current?.version,
      );
    },
  };
}
