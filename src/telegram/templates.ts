import type { RecipientType } from '../notifications/notifications.tables.js';
import { alertLines } from './alert-templates.js';
import { diffLines, esc, fitLines, MAX_MESSAGE_LENGTH, text, user, when } from './format.js';

/** What the deliverer knows about the request a notification is about (read when sending). */
export interface RequestView {
  id: string;
  kind: string;
  summary: string;
  status: string;
  digest: string;
  diff: unknown;
  note: string | null;
  requester: string;
  expiresAt: Date;
}

export interface RenderInput {
  template: string;
  recipientType: RecipientType;
  data: Record<string, unknown>;
  request?: RequestView;
  /** `PUBLIC_URL/approvals/:id` when the request has one. */
  consoleUrl?: string | null;
}

export interface RenderedMessage {
  text: string;
  /** Co-sign / Reject buttons (tokens issued at send time for the named secondary). */
  decision: boolean;
  /** The "Open in console" button. */
  url: string | null;
}

const str = (v: unknown) => text(v);

function header(icon: string, title: string, input: RenderInput): string[] {
  const r = input.request;
  const kind = r?.kind ?? str(input.data.kind);
  const summary = r?.summary ?? str(input.data.summary);
  return [
    `${icon} <b>${esc(title)}</b>`,
    `<b>${user(summary, 500)}</b>`,
    `Kind: <code>${user(kind, 60)}</code>`,
  ];
}

/** What a client reads: plain words, no internal names or reasons. */
function forClient(input: RenderInput): RenderedMessage | null {
  const d = input.data;
  const say = (lines: string[]): RenderedMessage => ({ text: fitLines(lines), decision: false, url: null });
  switch (input.template) {
    case 'client.status_changed':
      if (d.status === 'active' && d.action === 'grant')
        return say([
          '✅ <b>Your account is active.</b>',
          'You can now trade with the desk. Send /help to see what you can do.',
        ]);
      if (d.status === 'active')
        return say(['✅ <b>Your account is active again.</b>', 'You can trade with the desk again.']);
      if (d.status === 'suspended')
        return say([
          '⛔ <b>Your account is suspended.</b>',
          'You cannot trade for now. Contact the desk if you think this is a mistake.',
        ]);
      return null;
    case 'settlement.confirmed': {
      const paper = d.paper === true ? ' (PAPER: simulated chain, no real funds)' : '';
      const network = d.network === 'ethereum' ? 'Ethereum' : 'TRON';
      const what =
        d.side === 'sell'
          ? `We received your ${user(str(d.amountUsdt), 40)} USDT on ${network}${paper}.`
          : `We sent you ${user(str(d.amountUsdt), 40)} USDT on ${network}${paper}.`;
      return say([
        `✅ <b>Trade settled.</b>`,
        what,
        `Transaction: <code>${user(str(d.txHash), 100)}</code>`,
        `Trade: <code>${user(str(d.tradeId), 40)}</code>`,
      ]);
    }
    case 'settlement.deposit_requested': {
      const network = d.network === 'ethereum' ? 'Ethereum (ERC-20)' : 'TRON (TRC-20)';
      return say([
        `💸 <b>Please send exactly ${user(str(d.amountUsdt), 40)} USDT on ${network}</b>${d.paper === true ? ' (PAPER: simulated chain, no real funds)' : ''}`,
        `To the desk: <code>${user(str(d.to), 100)}</code>`,
        `From your whitelisted address: <code>${user(str(d.from), 100)}</code>`,
        'Another amount or another sending address is not matched to your trade.',
        `Trade: <code>${user(str(d.tradeId), 40)}</code>`,
      ]);
    }
    case 'approval.rejected':
      return say([
        '❌ <b>Your application was not approved.</b>',
        'The desk reviewed it and declined it. You can contact the desk, or send /start to apply again.',
      ]);
    case 'approval.expired':
      return say([
        '⌛ <b>Your application was not reviewed in time.</b>',
        'It expired without a decision. Send /start to apply again.',
      ]);
    case 'approval.failed':
      return say([
        '⚠️ <b>Your application could not be completed.</b>',
        'Something changed while it was being approved. Send /start to apply again.',
      ]);
    case 'approval.cancelled':
      return say(['Your application was withdrawn.']);
    default:
      // approval.approved is told by client.status_changed; the primary approval is internal.
      return null;
  }
}

/** Renders an outbox notification as a Telegram message, or null when it says nothing to this recipient. */
export function render(input: RenderInput): RenderedMessage | null {
  if (input.recipientType === 'client') return forClient(input);
  const d = input.data;
  const r = input.request;
  const url = input.consoleUrl ?? null;
  const msg = (lines: string[], decision = false): RenderedMessage => ({
    text: fitLines(lines),
    decision,
    url,
  });
  const expires = `Expires: ${when(r?.expiresAt ?? str(d.expiresAt))}`;
  const alert = input.template.startsWith('alert.') ? alertLines(input.template, d) : null;
  if (alert) return msg(alert);

  switch (input.template) {
    case 'approval.requested':
      return msg([
        ...header('🆕', 'New request awaiting approval', input),
        `Requested by: ${user(r?.requester ?? str(d.requestedBy), 120)}`,
        ...(r?.note ? [`Note: ${user(r.note, 500)}`] : []),
        ...(r ? ['Changes:', ...diffLines(r.diff)] : []),
        expires,
      ]);
    case 'approval.cosign_requested':
      return msg(
        [
          ...header('✍️', 'Your co-sign is requested', input),
          `Requested by: ${user(r?.requester ?? '—', 120)}`,
          'Changes:',
          ...diffLines(r?.diff ?? d.diff),
          `Approved by ${user(d.primary, 120)}: “${user(d.reason, 1000)}”`,
          ...(r ? [`Digest: <code>${esc(r.digest.slice(0, 16))}…</code>`] : []),
          expires,
          'Co-signing applies the change. Either button asks for your authenticator code.',
        ],
        true,
      );
    case 'approval.primary_approved':
      return msg([
        ...header('⏳', 'Approved, awaiting co-sign', input),
        `${user(d.primary, 120)} approved and named ${user(d.secondary, 120)} to co-sign.`,
      ]);
    case 'approval.approved':
      return msg([...header('✅', 'Approved and applied', input)]);
    case 'approval.rejected':
      return msg([...header('❌', 'Rejected', input), `By ${user(d.by, 120)}: “${user(d.reason, 1000)}”`]);
    case 'approval.expired':
      return msg([...header('⌛', 'Expired without a decision', input)]);
    case 'approval.cancelled':
      return msg([...header('🚫', 'Cancelled by the requester', input)]);
    case 'approval.failed':
      return msg([...header('⚠️', 'Co-signed but not applied', input), `Why: ${user(d.failure, 1000)}`]);
    case 'flag.emergency_disabled':
      return msg([
        '🛑 <b>Emergency stop: AUTO_SETTLEMENT turned off</b>',
        `Reason: “${user(d.reason, 1000)}”`,
        'A second risk officer must acknowledge the review in the console.',
      ]);
    case 'operator.break_glass_grant':
      return msg([
        '🔓 <b>Break-glass role grant</b>',
        `${user(d.name, 120)} &lt;${user(d.email, 200)}&gt; was given ${user(d.roles, 200)} on the host by ${user(d.by, 120)}.`,
        `Reason: “${user(d.reason, 1000)}”`,
        'Another platform admin must acknowledge the review in the console.',
      ]);
    case 'settlement.flagged':
      return msg([
        `🚩 <b>Settlement held back: ${user(d.reason, 60)}</b>`,
        `${user(d.side, 10)} ${user(d.amountUsdt, 40)} USDT on ${user(d.network, 20)} (trade <code>${user(d.tradeId, 40)}</code>)`,
        user(d.detail, 500),
        'Requeue or dismiss it from the Settlements page (both are co-signed requests).',
      ]);
    default:
      return msg([`ℹ️ ${user(input.template, 80)}`]);
  }
}

/**
 * Templates that change what earlier messages about the request should say, and which ones they edit.
 * `when` is the request status the line describes: a notice is applied only while the request is in
 * it, so a late or retried "awaiting co-sign" never replaces a final "Decided".
 */
export const EDIT_TRIGGERS: Record<
  string,
  { status: (d: Record<string, unknown>) => string; when: string; only?: string[] }
> = {
  'approval.primary_approved': {
    status: (d) => `⏳ Approved by ${user(d.primary, 120)}; awaiting co-sign by ${user(d.secondary, 120)}`,
    when: 'awaiting_secondary',
    only: ['approval.requested'],
  },
  'approval.approved': { status: () => '✅ Decided: approved and applied', when: 'approved' },
  'approval.rejected': { status: (d) => `❌ Decided: rejected by ${user(d.by, 120)}`, when: 'rejected' },
  'approval.expired': { status: () => '⌛ Expired without a decision', when: 'expired' },
  'approval.cancelled': { status: () => '🚫 Cancelled by the requester', when: 'cancelled' },
  'approval.failed': {
    status: () => '⚠️ Co-signed but not applied (the change no longer fit)',
    when: 'failed',
  },
};

/** The earlier message's text with the new status line appended (within the length limit). */
export function editedText(original: string, statusLine: string): string {
  const base = original.split('\n\n<b>Status:</b> ')[0] ?? original;
  const status = `\n\n<b>Status:</b> ${statusLine}`;
  return fitLines(base.split('\n'), MAX_MESSAGE_LENGTH - status.length) + status;
}

/** A decided request's outcome in plain words, e.g. for "Already decided: …". */
export const OUTCOME: Record<string, string> = {
  approved: 'approved and applied',
  rejected: 'rejected',
  expired: 'expired without a decision',
  cancelled: 'cancelled by the requester',
  failed: 'co-signed but not applied (the change no longer fit)',
};

/** What a request's final status says on a message sent after it was decided (the bot was behind). */
export const DECIDED_LINE: Record<string, string> = {
  approved: '✅ Decided: approved and applied',
  rejected: '❌ Decided: rejected',
  expired: '⌛ Expired without a decision',
  cancelled: '🚫 Cancelled by the requester',
  failed: '⚠️ Co-signed but not applied (the change no longer fit)',
};
