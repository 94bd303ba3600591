import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalChain, type LocalChain } from '../scripts/local-chain.js';
import { freePort, spawnDesk, stderrLines } from './support/process.js';

/** Bad EVM settings stop `npm start`'s entry point with one line saying what to fix, and never print the key. */
describe('EVM settings are checked against the node at start-up', () => {
  let chain: LocalChain;
  let dataDir: string;
  let base: Record<string, string>;
  beforeAll(async () => {
    chain = await startLocalChain();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-evm-start-'));
    base = { DESK_DATA_DIR: dataDir, PORT: String(await freePort()), HOST: '127.0.0.1', ...chain.env() };
  });
  afterAll(async () => {
    await chain.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  async function refused(env: Record<string, string>) {
    const desk = spawnDesk(['src/main/start.ts'], env);
    const code = await desk.exited;
    expect(code).not.toBe(0);
    expect(desk.output()).not.toContain(chain.hotWalletKey.slice(2));
    const lines = stderrLines(desk);
    expect(lines).toHaveLength(1);
    return lines[0] ?? '';
  }

  it.each([
    [
      'a wrong chain id',
      { EVM_CHAIN_ID: '1' },
      /^usdt-desk: EVM_CHAIN_ID is 1 but the node at EVM_RPC_URL \(http:\/\/127\.0\.0\.1:\d+\) serves chain 31337/,
    ],
    [
      'a token whose decimals are not 6',
      () => ({ EVM_USDT_CONTRACT: chain.notUsdt }),
      /^usdt-desk: EVM_USDT_CONTRACT 0x[0-9a-fA-F]{40} has 18 decimals, USDT has 6/,
    ],
    [
      'a contract address with no token',
      { EVM_USDT_CONTRACT: '0x000000000000000000000000000000000000dEaD' },
      /^usdt-desk: EVM_USDT_CONTRACT 0x0+dEaD does not answer decimals\(\)/,
    ],
    [
      'an unreachable RPC',
      { EVM_RPC_URL: 'http://127.0.0.1:1/secret-api-key' },
      /^usdt-desk: cannot reach the EVM node at EVM_RPC_URL \(http:\/\/127\.0\.0\.1:1\): .*start it or fix EVM_RPC_URL$/,
    ],
    [
      'a malformed key',
      { EVM_HOT_WALLET_KEY: '0x1234' },
      /^usdt-desk: invalid configuration: EVM_HOT_WALLET_KEY: must be a private key: 64 hex digits/,
    ],
    [
      'a key outside the curve',
      { EVM_HOT_WALLET_KEY: `0x${'ff'.repeat(32)}` },
      /^usdt-desk: EVM_HOT_WALLET_KEY is not a valid secp256k1 private key/,
    ],
    [
      'a chain without its settings',
      { EVM_CHAIN_ID: '', EVM_USDT_CONTRACT: '' },
      /^usdt-desk: EVM_RPC_URL is set: EVM_CHAIN_ID, EVM_USDT_CONTRACT must be set too$/,
    ],
  ] as const)('refuses %s in one line', async (_what, env, pattern) => {
    const given = typeof env === 'function' ? env() : env;
    const cleaned = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== ''));
    const removed = Object.keys(given).filter((k) => given[k as keyof typeof given] === '');
    const env2: Record<string, string> = { ...base, ...cleaned };
    for (const k of removed) delete env2[k];
    const line = await refused(env2);
    expect(line).toMatch(pattern);
    expect(line).not.toContain('secret-api-key');
  });
});
