import { createHash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';

/**
 * Payout address validation per network. A refused address carries a reason a client or an
 * operator can act on. Only validated addresses are stored, in their canonical form.
 */
export const NETWORKS = ['tron', 'ethereum'] as const;
export type Network = (typeof NETWORKS)[number];

export type AddressCheck = { ok: true; address: string } | { ok: false; reason: string };

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

export function base58Decode(text: string): Uint8Array | null {
  let n = 0n;
  for (const c of text) {
    const v = INDEX.get(c);
    if (v === undefined) return null;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const c of text) {
    if (c !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

export function base58Encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();

/** Base58check of a version byte and payload (the TRON address encoding). */
export function base58CheckEncode(payload: Uint8Array): string {
  const check = sha256(sha256(payload)).subarray(0, 4);
  return base58Encode(Uint8Array.from([...payload, ...check]));
}

/** TRON: base58check of 21 bytes, version byte 0x41, so every address starts with `T` and has 34 characters. */
export function checkTronAddress(input: string): AddressCheck {
  const text = input.trim();
  if (text.startsWith('0x') || /^41[0-9a-fA-F]{40}$/.test(text))
    return { ok: false, reason: 'give the TRON address in its base58 form (starting with T), not hex' };
  if (!text.startsWith('T')) return { ok: false, reason: 'a TRON address starts with T' };
  if (text.length !== 34)
    return { ok: false, reason: `a TRON address has 34 characters, this one has ${text.length}` };
  const bytes = base58Decode(text);
  if (!bytes) return { ok: false, reason: 'a TRON address uses base58 characters only (no 0, O, I or l)' };
  if (bytes.length !== 25)
    return { ok: false, reason: 'this is not a TRON address (wrong length once decoded)' };
  const payload = bytes.subarray(0, 21);
  if (payload[0] !== 0x41)
    return { ok: false, reason: 'this is not a TRON mainnet address (version byte is not 0x41)' };
  const check = sha256(sha256(payload)).subarray(0, 4);
  if (!Buffer.from(check).equals(Buffer.from(bytes.subarray(21))))
    return { ok: false, reason: 'the TRON address checksum does not match: a character is wrong or missing' };
  return { ok: true, address: text };
}

/** The EIP-55 mixed-case checksum form of a 20-byte hex address. */
export function toChecksumAddress(hex40: string): string {
  const lower = hex40.toLowerCase();
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(lower))).toString('hex');
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lower[i]!;
    out += parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/**
 * Ethereum: `0x` and 40 hex digits in the EIP-55 checksum form. An all-lowercase or all-uppercase
 * address carries no checksum, so a typo would go unnoticed: it is refused with the reason, since
 * a payout to a mistyped address is lost.
 */
export function checkEthereumAddress(input: string): AddressCheck {
  const text = input.trim();
  if (!/^0x/i.test(text)) return { ok: false, reason: 'an Ethereum address starts with 0x' };
  const hex = text.slice(2);
  if (hex.length !== 40)
    return {
      ok: false,
      reason: `an Ethereum address has 40 hex digits after 0x, this one has ${hex.length}`,
    };
  if (!/^[0-9a-fA-F]{40}$/.test(hex))
    return { ok: false, reason: 'an Ethereum address has only hex digits (0-9, a-f) after 0x' };
  if (/^0+$/.test(hex)) return { ok: false, reason: 'the zero address cannot receive a payout' };
  const expected = toChecksumAddress(hex);
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) {
    if (/[a-f]/i.test(hex))
      return {
        ok: false,
        reason: `the address has no EIP-55 checksum (all one case); paste the checksummed form, e.g. ${expected}`,
      };
    return { ok: true, address: expected }; // digits only: there is no case to check
  }
  if (`0x${hex}` !== expected)
    return { ok: false, reason: 'the EIP-55 checksum does not match: a character is wrong' };
  return { ok: true, address: expected };
}

export function checkAddress(network: Network, input: string): AddressCheck {
  return network === 'tron' ? checkTronAddress(input) : checkEthereumAddress(input);
}
