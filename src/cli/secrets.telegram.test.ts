import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNewToken } from './secrets.telegram.js';

describe('desk secrets rotate telegram: the new token', () => {
  it('comes from a file (trimmed), never from the command line, and must look like a bot token', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tg-token-'));
    try {
      const file = path.join(dir, 'token');
      await fs.writeFile(file, '123456:NEW-token-abcdefghijklmnopqrstuvwxyz\n');
      expect(await readNewToken(file)).toBe('123456:NEW-token-abcdefghijklmnopqrstuvwxyz');
      await expect(readNewToken(undefined)).rejects.toThrow(/--token-file/);
      await expect(readNewToken(path.join(dir, 'missing'))).rejects.toThrow(/cannot read/);
      await fs.writeFile(file, 'not-a-token');
      await expect(readNewToken(file)).rejects.toThrow(/not a bot token/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
