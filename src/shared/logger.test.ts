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
    for (const leaked of ['hunter2', '123456', '654321', 'eyJ', 'JBSWY3DPEHPK3PXP']) expect(out).not.toContain(leaked);
    expect(out).toContain('a@b.c');
  });
});
