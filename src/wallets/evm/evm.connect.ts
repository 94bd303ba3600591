import {
  createPublicClient,
  erc20Abi,
  http,
  type Address,
  type PrivateKeyAccount,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { EvmSettings } from '../../config.evm.js';
import { gweiToWei } from './evm.fees.js';

/** A setting the node disagrees with: one line saying what to fix (a start-up error). */
export class EvmConfigError extends Error {}

export interface EvmChain {
  client: PublicClient;
  account: PrivateKeyAccount;
  chainId: number;
  usdt: Address;
  maxFeeWei: bigint;
  stuckSeconds: number;
  pollMs: number;
  /** The node's address without a path or credentials (an API key often sits in the URL): for messages. */
  where: string;
}

const short = (err: unknown) =>
  ((err as { shortMessage?: string }).shortMessage ?? (err instanceof Error ? err.message : String(err)))
    .split('\n')[0]
    ?.slice(0, 200);

/**
 * Connects to the EVM node and checks the settings against it before the desk starts: the key parses,
 * the node answers and serves EVM_CHAIN_ID, and EVM_USDT_CONTRACT's decimals() is 6. The key itself
 * never appears in a message; the node's URL only as its origin.
 */
export async function connectEvm(settings: Extract<EvmSettings, { mode: 'on' }>): Promise<EvmChain> {
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(settings.hotWalletKey);
  } catch {
    throw new EvmConfigError('EVM_HOT_WALLET_KEY is not a valid secp256k1 private key: 64 hex digits');
  }
  const where = new URL(settings.rpcUrl).origin;
  const client = createPublicClient({
    transport: http(settings.rpcUrl, { timeout: 10_000, retryCount: 1, retryDelay: 200 }),
    pollingInterval: Math.min(1000, settings.pollMs),
    // The head is read to count confirmations: never an old one from viem's cache.
    cacheTime: 0,
  });
  let chainId: number;
  try {
    chainId = await createPublicClient({
      transport: http(settings.rpcUrl, { timeout: 5_000, retryCount: 0 }),
    }).getChainId();
  } catch (err) {
    throw new EvmConfigError(
      `cannot reach the EVM node at EVM_RPC_URL (${where}): ${short(err)}; start it or fix EVM_RPC_URL`,
    );
  }
  if (chainId !== settings.chainId)
    throw new EvmConfigError(
      `EVM_CHAIN_ID is ${settings.chainId} but the node at EVM_RPC_URL (${where}) serves chain ${chainId}: point EVM_RPC_URL at the right network or fix EVM_CHAIN_ID`,
    );
  let decimals: number;
  try {
    decimals = await client.readContract({
      address: settings.usdtContract,
      abi: erc20Abi,
      functionName: 'decimals',
    });
  } catch (err) {
    throw new EvmConfigError(
      `EVM_USDT_CONTRACT ${settings.usdtContract} does not answer decimals() on chain ${chainId} (${short(err)}): is it the token's address on this network?`,
    );
  }
  if (decimals !== 6)
    throw new EvmConfigError(
      `EVM_USDT_CONTRACT ${settings.usdtContract} has ${decimals} decimals, USDT has 6: is it the USDT contract of chain ${chainId}?`,
    );
  return {
    client,
    account,
    chainId,
    usdt: settings.usdtContract,
    maxFeeWei: gweiToWei(settings.maxFeeGwei),
    stuckSeconds: settings.stuckSeconds,
    pollMs: settings.pollMs,
    where,
  };
}

/** The configured EVM chain, connected and checked; undefined when EVM_RPC_URL is unset (paper). */
export async function connectConfiguredEvm(settings: EvmSettings): Promise<EvmChain | undefined> {
  return settings.mode === 'on' ? connectEvm(settings) : undefined;
}
