import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import solc from 'solc';

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const CONTRACTS_DIR = path.join(ROOT, 'contracts');
export const ARTIFACTS_FILE = path.join(CONTRACTS_DIR, 'artifacts.json');
export const CONTRACT_NAMES = ['TestUSDT', 'NotUSDT'] as const;

export interface Artifact {
  abi: unknown[];
  bytecode: `0x${string}`;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** The local chain's contracts, compiled by solc from npm (no download), for a `cancun` chain. */
export function compileContracts(): Record<(typeof CONTRACT_NAMES)[number], Artifact> {
  const require = createRequire(import.meta.url);
  const sources = Object.fromEntries(
    CONTRACT_NAMES.map((name) => [
      `${name}.sol`,
      { content: fs.readFileSync(path.join(CONTRACTS_DIR, `${name}.sol`), 'utf8') },
    ]),
  );
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const findImports = (p: string) => {
    try {
      return { contents: fs.readFileSync(require.resolve(p), 'utf8') };
    } catch {
      return { error: `not found: ${p}` };
    }
  };
  const compiler = solc as { compile(input: string, o: { import: typeof findImports }): string };
  const output = JSON.parse(compiler.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const pick = (name: string): Artifact => {
    const c = output.contracts[`${name}.sol`]?.[name];
    if (!c) throw new Error(`solc produced no ${name}`);
    return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
  };
  return { TestUSDT: pick('TestUSDT'), NotUSDT: pick('NotUSDT') };
}
