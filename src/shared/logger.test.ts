import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

describe('logger', () => {
  it('writes JSON lines', () => {
    const { lines, logger } = capture();
    logger.info({ reqId: 'r1' }, 'hello');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ msg: 'hello', reqId: 'r1', service: 'usdt-desk' });
  });

  it('never writes passwords, tokens, TOTP codes or secrets', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'hunter2-password',
        body: { email: 'a@b.c', password: 'hunter2-body', totp: '123456', code: '654321' },
        token: 'eyJ.secret.token',
        secret: 'JBSWY3DPEHPK3PXP',
        req: { headers: { authorization: 'Bearer eyJ.auth', cookie: 'desk_session=eyJ.cookie' } },
      },
      'login attempt',
    );
    const out = lines.join('');
    for (const leaked of ['hunter2', '123456', '654321', 'eyJ', 'JBSWY3DPEHPK3PXP'])
      expect(out).not.toContain(leaked);
    expect(out).toContain('a@b.c');
  });

  it('censors secret fields at any depth, and on errors', () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error('insert failed'), {
      code: '23505',
      params: [{ user: { credentials: { password: 'hunter2-deep' } } }],
    });
    logger.error(
      {
        err,
        data: { input: { body: { newPassword: 'hunter2-nested', csrfToken: 'csrf-abc', code: '112233' } } },
        headers: [{ authorization: 'Bearer eyJ.array' }],
      },
      'failed',
    );
    logger.warn(
      { wrapped: { cause: Object.assign(new Error('inner'), { setupToken: 'setup-xyz' }) } },
      'wrapped',
    );
    const out = lines.join('');
    for (const leaked of ['hunter2', 'csrf-abc', '112233', 'eyJ', 'setup-xyz'])
      expect(out).not.toContain(leaked);
    const first = JSON.parse(lines[0] ?? '{}') as { err: { message: string; code: string; stack: string } };
    expect(first.err).toMatchObject({ message: 'insert failed', code: '23505' }); // an error code is not a one-time code
    expect(first.err.stack).toContain('insert failed');
  });

  it('keeps error codes, dates and circular data loggable', () => {
    const { lines, logger } = capture();
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const at = new Date('2026-01-02T03:04:05Z');
    logger.info({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', at, loop }, 'odd shapes');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      at: at.toISOString(),
      loop: { name: 'loop', self: '[circular]' },
    });
  });
});
