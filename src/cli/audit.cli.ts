import fs from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Option, type Command } from 'commander';
import { withDesk } from './context.js';
import type { AuditFilter } from '../audit/audit.filter.js';
import type { ExportFormatName } from '../audit/audit.format.js';
import { verifyExport } from '../audit/audit.verify.js';

interface ExportOptions {
  format: ExportFormatName;
  out: string;
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  entity?: string;
}

function parseInstant(value: string, name: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new Error(`--${name} ${value} is not a date (use ISO 8601, e.g. 2026-01-31T00:00:00Z)`);
  return d;
}

/** Control and direction characters a crafted export (or its name) could use to repaint a line. */
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const escapeText = (text: string) =>
  text.replace(UNPRINTABLE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);

/**
 * What `desk audit verify` prints comes partly from the file it checks: every value interpolated is
 * escaped (a CR or an ANSI sequence could otherwise paint a FAILED line as OK), and so is a newline
 * inside a value; the template's own newlines stay.
 */
function printable(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce(
    (out, part, i) =>
      out + part + (i < values.length ? escapeText(String(values[i])).replaceAll('\n', '\\n') : ''),
    '',
  );
}
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');

  audit
    .command('export')
    .description('write a verifiable export (streams any size)')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'jsonl']).default('jsonl'))
    .requiredOption('--out <file>', 'where to write it')
    .option('--from <instant>', 'events at or after (ISO 8601)')
    .option('--to <instant>', 'events before (ISO 8601)')
    .option('--actor <actor>', 'actorId or actorType:actorId')
    .option('--action <action>', 'one action, e.g. operator.login')
    .option('--entity <entity>', 'entityType or entityType:entityId')
    .action(async (opts: ExportOptions) => {
      const filter: AuditFilter = {
        from: opts.from ? parseInstant(opts.from, 'from') : undefined,
        to: opts.to ? parseInstant(opts.to, 'to') : undefined,
        actor: opts.actor,
        action: opts.action,
        entity: opts.entity,
      };
      await withDesk(async ({ desk }) => {
        const file = await desk.services.audit.export(opts.format, filter, {
          actorType: 'cli',
          actorId: os.userInfo().username,
        });
        await pipeline(Readable.from(file.chunks, { objectMode: false }), fs.createWriteStream(opts.out));
        const { fromSeq, toSeq } = file.plan;
        console.log(
          toSeq >= fromSeq
            ? `wrote ${opts.out}: chain seq ${fromSeq}–${toSeq}`
            : `wrote ${opts.out}: no sealed events in range`,
        );
      });
    });

  audit
    .command('verify')
    .description(
      'check an export: exit 0 if intact, 1 naming the first bad event otherwise (no database needed)',
    )
    .argument('<file>', 'a file written by `desk audit export` or GET /api/audit/export')
    .option('--key-id <id...>', 'accept only signatures by these key ids')
    .action(async (file: string, opts: { keyId?: string[] }) => {
      // Read in 1 MiB chunks: verify hashes each chunk whole.
      const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
      const result = await verifyExport(input, { trustedKeyIds: opts.keyId }).catch(
        (err: NodeJS.ErrnoException) => {
          process.stderr.write(
            printable`cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}\n`,
          );
          process.exitCode = 2;
          return undefined;
        },
      );
      if (!result) return;
      if (!result.ok) {
        const where = [
          `line ${result.line}`,
          result.seq && `seq ${result.seq}`,
          result.eventId && `event id ${result.eventId}`,
        ]
          .filter(Boolean)
          .join(', ');
        process.stderr.write(printable`FAILED ${file} (${where}): ${result.problem}\n`);
        process.exitCode = 1;
        return;
      }
      const s = result.summary;
      const filter =
        Object.entries(s.filter)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || 'none';
      console.log(printable`OK ${file}: ${s.format}, chain seq ${s.fromSeq}–${s.toSeq} intact`);
      console.log(
        printable`  ${s.events} events, ${s.skeletons} filtered out (skeletons), ${s.checkpoints} inner checkpoints; filter: ${filter}`,
      );
      console.log(
        printable`  head ${s.headHash}, sealed ${s.sealedAt ?? 'never'}; signed by key ${s.keyIds.join(', ') || '(none)'}`,
      );
      if (!opts.keyId)
        console.log(
          "  compare the key id with the desk's (`desk audit seal` prints it) or pass --key-id to enforce it",
        );
    });

  audit
    .command('seal')
    .description(
      'chain the events committed so far and sign a checkpoint now (the worker does this every minute)',
    )
    .action(async () => {
      await withDesk(async ({ desk }) => {
        const r = await desk.services.audit.seal();
        console.log(`sealed ${r.chained} events; chain head seq ${r.seq} ${r.hash}; signing key ${r.keyId}`);
      });
    });
}
