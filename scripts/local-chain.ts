/**
 * A local EVM chain for development and the chain tests: hardhat 2's in-process network served over
 * HTTP JSON-RPC on a loopback port, with the 6-decimal test USDT (contracts/TestUSDT.sol, compiled
 * offline into contracts/artifacts.json) deployed and the desk's hot wallet funded with USDT and ETH.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  createPublicClient,
  createWalletClient,
  http,
  parseAbi,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ARTIFACTS_FILE, type Artifact } from '../src/wallets/evm/contracts.compile.js';

export const TEST_USDT_ABI = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function mint(address to, uint256 amount)',
  'function setBlackListed(address who, bool blocked)',
  'function decimals() view returns (uint8)',
]);

interface Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}
interface Server {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

export interface LocalChainOptions {
  port?: number;
  chainId?: number;
  /** The hot wallet's key (generated when absent). */
  hotWalletKey?: Hex;
  hotUsdtUnits?: bigint;
  hotEthWei?: bigint;
  /** Mine a block every this many ms instead of one per transaction. */
  intervalMiningMs?: number;
}

export interface LocalChain {
  url: string;
  port: number;
  chainId: number;
  usdt: Address;
  /** An 18-decimal token the desk must refuse as EVM_USDT_CONTRACT. */
  notUsdt: Address;
  hotWalletKey: Hex;
  hotWallet: Address;
  ownerKey: Hex;
  client: PublicClient;
  /** Any JSON-RPC call, including hardhat's evm_* and hardhat_* methods. */
  rpc: <T = unknown>(method: string, params?: unknown[]) => Promise<T>;
  mint: (to: Address, units: bigint) => Promise<void>;
  setEth: (to: Address, wei: bigint) => Promise<void>;
  usdtBalance: (of: Address) => Promise<bigint>;
  /** The settings that point a desk at this chain. */
  env: () => Record<string, string>;
  stop: () => Promise<void>;
}

const ETH = 10n ** 18n;

export async function startLocalChain(opts: LocalChainOptions = {}): Promise<LocalChain> {
  process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT = 'true';
  const require = createRequire(import.meta.url);
  const { resolveConfig } = require('hardhat/internal/core/config/config-resolution') as {
    resolveConfig: (p: string, c: unknown) => unknown;
  };
  const { createProvider } = require('hardhat/internal/core/providers/construction') as {
    createProvider: (c: unknown, name: string) => Promise<Provider>;
  };
  const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server') as {
    JsonRpcServer: new (c: { hostname: string; port: number; provider: Provider }) => Server;
  };
  const chainId = opts.chainId ?? 31337;
  const ownerKey = generatePrivateKey();
  const hotWalletKey = opts.hotWalletKey ?? generatePrivateKey();
  const config = resolveConfig(ARTIFACTS_FILE, {
    networks: {
      hardhat: {
        chainId,
        hardfork: 'cancun',
        loggingEnabled: false,
        accounts: [{ privateKey: ownerKey, balance: (1000n * ETH).toString() }],
      },
    },
  });
  const provider = await createProvider(config, 'hardhat');
  const server = new JsonRpcServer({ hostname: '127.0.0.1', port: opts.port ?? 0, provider });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const rpc = <T>(method: string, params: unknown[] = []) =>
    provider.request({ method, params }) as Promise<T>;
  const client = createPublicClient({ transport: http(url), cacheTime: 0 });
  const owner = createWalletClient({
    account: privateKeyToAccount(ownerKey),
    transport: http(url),
    cacheTime: 0,
  });
  const artifacts = JSON.parse(fs.readFileSync(ARTIFACTS_FILE, 'utf8')) as Record<string, Artifact>;
  const deploy = async (name: string): Promise<Address> => {
    const a = artifacts[name];
    if (!a) throw new Error(`no artifact ${name}`);
    const hash = await owner.deployContract({ abi: a.abi, bytecode: a.bytecode, chain: null });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (!receipt.contractAddress) throw new Error(`${name} was not deployed`);
    return receipt.contractAddress;
  };
  const usdt = await deploy('TestUSDT');
  const notUsdt = await deploy('NotUSDT');
  const mint = async (to: Address, units: bigint) => {
    const hash = await owner.writeContract({
      address: usdt,
      abi: TEST_USDT_ABI,
      functionName: 'mint',
      args: [to, units],
      chain: null,
    });
    await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  };
  const setEth = async (to: Address, wei: bigint) => {
    await rpc('hardhat_setBalance', [to, `0x${wei.toString(16)}`]);
  };
  const hotWallet = privateKeyToAccount(hotWalletKey).address;
  await mint(hotWallet, opts.hotUsdtUnits ?? 10_000_000n * 1_000_000n);
  await setEth(hotWallet, opts.hotEthWei ?? 100n * ETH);
  if (opts.intervalMiningMs) {
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setIntervalMining', [opts.intervalMiningMs]);
  }
  return {
    url,
    port,
    chainId,
    usdt,
    notUsdt,
    hotWalletKey,
    hotWallet,
    ownerKey,
    client,
    rpc,
    mint,
    setEth,
    usdtBalance: (of) =>
      client.readContract({ address: usdt, abi: TEST_USDT_ABI, functionName: 'balanceOf', args: [of] }),
    env: () => ({
      EVM_RPC_URL: url,
      EVM_CHAIN_ID: String(chainId),
      EVM_USDT_CONTRACT: usdt,
      EVM_HOT_WALLET_KEY: hotWalletKey,
    }),
    stop: () => server.close(),
  };
}

/** The repository root (for scripts that print paths). */
export const ROOT = path.resolve(import.meta.dirname, '..');
