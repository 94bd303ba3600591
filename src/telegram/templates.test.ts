import { describe, expect, it } from 'vitest';
import { assertTelegramHtml } from '../../test/support/telegram.js';
import { esc, fitLines, MAX_MESSAGE_LENGTH } from './format.js';
import { editedText, render, type RequestView } from './templates.js';

const nasty = '<b>*_[`](x)</i>&amp; "q"';

const request = (over: Partial<RequestView> = {}): RequestView => ({
  id: '00000000-0000-4000-8000-000000000001',
  kind: 'client.access',
  summary: `Grant access to ${nasty} (${nasty}, ${nasty})`,
  status: 'pending',
  digest: 'ab'.repeat(32),
  diff: [
    { field: 'status', before: 'pending', after: 'active' },
    { field: 'profile', before: null, after: { name: nasty, company: nasty } },
  ],
  note: nasty,
  requester: `client ${nasty}`,
  expiresAt: new Date('2026-11-27T06:00:00Z'),
  ...over,
});

describe('message texts', () => {
  it('escapes exactly what Telegram HTML needs; Markdown characters stay plain', () => {
    expect(esc('<b>*_[')).toBe('&lt;b&gt;*_[');
    expect(esc('a & b')).toBe('a &amp; b');
    expect(esc({ a: '<x>' })).toBe('{"a":"&lt;x&gt;"}');
  });

  it.each([
    'approval.requested',
    'approval.cosign_requested',
    'approval.primary_approved',
    'approval.approved',
    'approval.rejected',
    'approval.expired',
    'approval.cancelled',
    'approval.failed',
    'flag.emergency_disabled',
    'something.new',
  ])('%s with hostile user text is valid Telegram HTML and shows the text escaped', (template) => {
    const m = render({
      template,
      recipientType: 'operator',
      request: request(),
      data: { primary: nasty, secondary: nasty, reason: nasty, by: nasty, failure: nasty, summary: nasty },
      consoleUrl: 'https://desk.example.com/approvals/x',
    });
    expect(m).not.toBeNull();
    assertTelegramHtml(m?.text ?? '');
    if (template.startsWith('approval.'))
      expect(m?.text).toContain('&lt;b&gt;*_[`](x)&lt;/i&gt;&amp;amp; "q"');
    expect(m?.text).not.toContain('<b>*_[');
  });

  it('a huge request still fits in one message, whole lines only', () => {
    const diff = Array.from({ length: 200 }, (_, i) => ({
      field: `field_${i}_${nasty}`,
      before: 'x'.repeat(2000),
      after: nasty.repeat(100),
    }));
    const m = render({
      template: 'approval.cosign_requested',
      recipientType: 'operator',
      request: request({ diff, summary: nasty.repeat(500), note: 'n'.repeat(5000) }),
      data: { primary: nasty, reason: 'r'.repeat(5000) },
    });
    expect(m?.text.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    assertTelegramHtml(m?.text ?? '');
    expect(m?.decision).toBe(true);
  });

  it('fitLines says when it shortened', () => {
    const text = fitLines(Array.from({ length: 500 }, (_, i) => `line ${i} ${'y'.repeat(50)}`));
    expect(text.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(text).toMatch(/shortened: open it in the console/);
  });

  it('an edit keeps its status line even when the original filled the message', () => {
    const original = fitLines(Array.from({ length: 200 }, (_, i) => `line ${i} ${'z'.repeat(40)}`));
    const edited = editedText(original, '✅ Decided: approved and applied');
    expect(edited.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(edited).toMatch(/<b>Status:<\/b> ✅ Decided: approved and applied$/);
    expect(editedText(edited, '❌ Decided: rejected by X')).toMatch(
      /\n\n<b>Status:<\/b> ❌ Decided: rejected by X$/,
    ); // replaced, not stacked
  });

  it('tells a client about their application in plain words, without internal names or reasons', () => {
    const rejected = render({
      template: 'approval.rejected',
      recipientType: 'client',
      request: request(),
      data: { by: 'Operator Olga', reason: 'KYC failed: sanctions hit' },
    });
    expect(rejected?.text).toMatch(/not approved/);
    expect(rejected?.text).not.toMatch(/Olga|sanctions/);
    expect(rejected?.url).toBeNull();
    expect(
      render({
        template: 'client.status_changed',
        recipientType: 'client',
        data: { action: 'grant', status: 'active' },
      })?.text,
    ).toMatch(/Your account is active/);
    expect(
      render({
        template: 'client.status_changed',
        recipientType: 'client',
        data: { action: 'suspend', status: 'suspended' },
      })?.text,
    ).toMatch(/cannot trade/);
    expect(render({ template: 'approval.primary_approved', recipientType: 'client', data: {} })).toBeNull();
    expect(render({ template: 'approval.approved', recipientType: 'client', data: {} })).toBeNull();
    const settled = render({
      template: 'settlement.confirmed',
      recipientType: 'client',
      data: {
        tradeId: 't-1',
        side: 'buy',
        network: 'tron',
        amountUsdt: '25000',
        txHash: '0xabc',
        paper: true,
      },
    })?.text;
    expect(settled).toMatch(/We sent you 25000 USDT on TRON \(PAPER: simulated chain/);
    expect(settled).toContain('<code>0xabc</code>');
    const deposit = render({
      template: 'settlement.deposit_requested',
      recipientType: 'client',
      data: { tradeId: 't-2', network: 'tron', amountUsdt: '700', from: 'TClient', to: 'TDesk', paper: true },
    })?.text;
    expect(deposit).toMatch(/send exactly 700 USDT on TRON \(TRC-20\)<\/b> \(PAPER/);
    expect(deposit).toContain('To the desk: <code>TDesk</code>');
    expect(deposit).toContain('From your whitelisted address: <code>TClient</code>');
    const flagged = render({
      template: 'settlement.flagged',
      recipientType: 'ops_chat',
      data: {
        reason: 'LARGE_NOTIONAL_REVIEW',
        side: 'buy',
        amountUsdt: '60000',
        network: 'tron',
        tradeId: 't-9',
        detail: 'above the threshold',
      },
    })?.text;
    expect(flagged).toMatch(/Settlement held back: LARGE_NOTIONAL_REVIEW/);
    expect(flagged).toMatch(/buy 60000 USDT on tron/);
    expect(
      render({
        template: 'settlement.confirmed',
        recipientType: 'client',
        data: { side: 'sell', network: 'ethereum', amountUsdt: '10', txHash: '0xdef', paper: false },
      })?.text,
    ).toMatch(/We received your 10 USDT on Ethereum\./); // client.status_changed says it
  });
});
