import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'grammy/types';
import { BOT_INFO } from './telegram.js';

export interface BotApiCall {
  token: string;
  method: string;
  body: Record<string, unknown>;
  ok: boolean;
}

/**
 * The Bot API over real HTTP on loopback, as far as a token rotation needs it: calls are answered only
 * for tokens that are valid (`revoke` ends one, as BotFather's /revoke does), getUpdates hands out the
 * queued updates after `offset` (held briefly when there are none, like long polling), and every call
 * is recorded with the token it came with.
 */
export class FakeBotApi {
  calls: BotApiCall[] = [];
  private valid = new Set<string>();
  private updates: Update[] = [];
  private server = http.createServer((req, res) => void this.answer(req, res));
  private nextMessageId = 1;

  constructor(tokens: string[]) {
    for (const t of tokens) this.valid.add(t);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  issue(token: string): void {
    this.valid.add(token);
  }

  revoke(token: string): void {
    this.valid.delete(token);
  }

  queue(update: Update): void {
    this.updates.push(update);
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const token = match?.[1] ?? '';
    const method = match?.[2] ?? '';
    const ok = this.valid.has(token);
    this.calls.push({ token, method, body, ok });
    res.setHeader('content-type', 'application/json');
    if (!ok) {
      res.statusCode = 401;
      res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
      return;
    }
    res.end(JSON.stringify({ ok: true, result: await this.result(method, body) }));
  }

  private async result(method: string, body: Record<string, unknown>): Promise<unknown> {
    if (method === 'getMe') return BOT_INFO;
    if (method === 'getUpdates') {
      const offset = typeof body.offset === 'number' ? body.offset : 0;
      const pending = () => this.updates.filter((u) => u.update_id >= offset);
      for (let i = 0; i < 10 && pending().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      return pending();
    }
    if (method === 'sendMessage')
      return {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: body.chat_id, type: 'private' },
        text: body.text,
      };
    return true;
  }
}

/** A private-chat message from a Telegram user, as Telegram delivers it. */
export function textUpdate(updateId: number, userId: number, text: string): Update {
  const command = text.startsWith('/')
    ? [{ type: 'bot_command' as const, offset: 0, length: text.split(' ')[0]?.length ?? 0 }]
    : undefined;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: userId, type: 'private', first_name: 'Tester' },
      from: { id: userId, is_bot: false, first_name: 'Tester' },
      text,
      ...(command ? { entities: command } : {}),
    },
  };
}
