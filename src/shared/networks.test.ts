import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base58CheckEncode,
  base58Decode,
  base58Encode,
  checkAddress,
  checkEthereumAddress,
  checkTronAddress,
  toChecksumAddress,
} from './networks.js';

describe('TRON addresses', () => {
  it.each([
    'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', // USDT TRC-20 contract
    'T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb', // the all-zero "black hole" address
    'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7', // WTRX
  ])('%s is valid', (a) => {
    expect(checkTronAddress(a)).toEqual({ ok: true, address: a });
  });

  it.each([
    ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u', /checksum/],
    ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6', /34 characters/],
    ['XR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t', /starts with T/],
    ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj0t', /base58/],
    ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLjOt', /base58/],
    ['41a614f803b6fd780986a42c78ec9c7f77e6ded13c', /base58 form/],
    ['0xa614f803b6fd780986a42c78ec9c7f77e6ded13c', /base58 form/],
    ['1BoatSLRHtKNngkdXEeobR76b53LETtpyT', /starts with T/], // a Bitcoin address
  ])('%s is refused (%s)', (a, reason) => {
    const r = checkTronAddress(a);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses a valid base58check string with another version byte', () => {
    const other = base58CheckEncode(Uint8Array.from([0x42, ...randomBytes(20)]));
    const r = checkTronAddress(other);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/version byte|starts with T/);
  });

  it('accepts every encoded 0x41 payload and round-trips base58', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (body) => {
        const a = base58CheckEncode(Uint8Array.from([0x41, ...body]));
        expect(checkTronAddress(a)).toEqual({ ok: true, address: a });
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(Array.from(base58Decode(base58Encode(bytes)) ?? [])).toEqual(Array.from(bytes));
      }),
    );
  });
});

describe('Ethereum addresses (EIP-55)', () => {
  it.each([
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
    '0xdAC17F958D2ee523a2206206994597C13D831ec7', // USDT ERC-20 contract
  ])('%s is valid', (a) => {
    expect(checkEthereumAddress(a)).toEqual({ ok: true, address: a });
    expect(toChecksumAddress(a.slice(2))).toBe(a);
  });

  it.each([
    ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', /checksum does not match/],
    [
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      /no EIP-55 checksum.*0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed/,
    ],
    ['0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED', /no EIP-55 checksum/],
    ['5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', /starts with 0x/],
    ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA', /40 hex digits/],
    ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAzz', /only hex digits/],
    ['0x0000000000000000000000000000000000000000', /zero address/],
  ])('%s is refused (%s)', (a, reason) => {
    const r = checkEthereumAddress(a);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('a TRON address is not an Ethereum address and the other way round', () => {
    expect(checkAddress('ethereum', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t').ok).toBe(false);
    expect(checkAddress('tron', '0xdAC17F958D2ee523a2206206994597C13D831ec7').ok).toBe(false);
  });
});
