/**
 * `npm run chain:dev`: a local EVM node for a desk to settle against. Prints the settings as NAME=value
 * lines (load them with `set -a; . ./chain.env; set +a` after `npm run chain:dev > chain.env`), then
 * keeps the node running until Ctrl-C. The key printed is a throwaway made for this chain only.
 *
 *   CHAIN_PORT=8545 (default) · CHAIN_ID=31337 · CHAIN_BLOCK_MS=0 (a block per transaction; e.g. 1000
 *   for a block a second)
 */
import { startLocalChain } from './local-chain.js';

const chain = await startLocalChain({
  port: Number(process.env.CHAIN_PORT ?? 8545),
  chainId: Number(process.env.CHAIN_ID ?? 31337),
  intervalMiningMs: Number(process.env.CHAIN_BLOCK_MS ?? 0) || undefined,
});
for (const [name, value] of Object.entries(chain.env())) process.stdout.write(`${name}=${value}\n`);
process.stderr.write(
  `local chain ${chain.chainId} on ${chain.url}: test USDT ${chain.usdt}, hot wallet ${chain.hotWallet} funded with 10,000,000 USDT and 100 ETH. Ctrl-C stops it.\n`,
);
const stop = () => {
  void chain.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
