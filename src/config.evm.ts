import { ConfigError } from './config.parse.js';

/** The `ethereum` network's chain: off (paper), or everything needed to settle on an EVM node. */
export type EvmSettings =
  | { mode: 'off' }
  | {
      mode: 'on';
      rpcUrl: string;
      chainId: number;
      usdtContract: `0x${string}`;
      hotWalletKey: `0x${string}`;
      maxFeeGwei: string;
      stuckSeconds: number;
      pollMs: number;
    };

export function evmSettings(config: {
  EVM_RPC_URL?: string | undefined;
  EVM_CHAIN_ID?: number | undefined;
  EVM_USDT_CONTRACT?: string | undefined;
  EVM_HOT_WALLET_KEY?: string | undefined;
  EVM_MAX_FEE_GWEI: string;
  EVM_STUCK_SECONDS: number;
  EVM_POLL_MS: number;
}): EvmSettings {
  if (!config.EVM_RPC_URL) return { mode: 'off' };
  const missing = (['EVM_CHAIN_ID', 'EVM_USDT_CONTRACT', 'EVM_HOT_WALLET_KEY'] as const).filter(
    (name) => config[name] === undefined,
  );
  if (missing.length > 0 || !config.EVM_CHAIN_ID || !config.EVM_USDT_CONTRACT || !config.EVM_HOT_WALLET_KEY)
    throw new ConfigError(`EVM_RPC_URL is set: ${missing.join(', ')} must be set too`);
  const key = config.EVM_HOT_WALLET_KEY;
  return {
    mode: 'on',
    rpcUrl: config.EVM_RPC_URL,
    chainId: config.EVM_CHAIN_ID,
    usdtContract: config.EVM_USDT_CONTRACT as `0x${string}`,
    hotWalletKey: (key.startsWith('0x') ? key : `0x${key}`) as `0x${string}`,
    maxFeeGwei: config.EVM_MAX_FEE_GWEI,
    stuckSeconds: config.EVM_STUCK_SECONDS,
    pollMs: config.EVM_POLL_MS,
  };
}
