import { describe, expect, it } from 'vitest';
import { isPublicUrl } from './public-url.js';

describe('isPublicUrl (can Telegram open an "Open in console" button to it)', () => {
  it.each([
    'https://desk.example.com/approvals/1',
    'http://desk.example.com:9090/approvals/1',
    'https://desk.example.com./approvals/1',
    'https://8.8.8.8/approvals/1',
    'https://172.32.0.1/x',
    'https://172.15.255.255/x',
    'https://100.128.0.1/x',
    'https://[2001:db8::1]/x',
    'https://[2a00:1450:4001:80b::200e]/x',
  ])('%s is public', (url) => {
    expect(isPublicUrl(url)).toBe(true);
  });

  it.each([
    ['not a URL', 'desk'],
    ['another scheme', 'ftp://desk.example.com/x'],
    ['javascript', 'javascript:alert(1)'],
    ['localhost', 'http://localhost:9090/x'],
    ['a single label', 'http://desk:9090/x'],
    ['*.localhost', 'http://desk.localhost/x'],
    ['*.local (mDNS)', 'http://desk.local/x'],
    ['*.internal', 'https://desk.corp.internal/x'],
    ['*.home.arpa', 'https://desk.home.arpa/x'],
    ['0.0.0.0', 'http://0.0.0.0:9090/x'],
    ['127.* loopback', 'http://127.0.0.2/x'],
    ['127.0.0.1 written as a number', 'http://2130706433/x'],
    ['10.*', 'http://10.1.2.3/x'],
    ['172.16.*', 'http://172.16.0.1/x'],
    ['172.31.*', 'http://172.31.255.254/x'],
    ['192.168.*', 'http://192.168.1.10/x'],
    ['169.254.* link-local', 'http://169.254.169.254/x'],
    ['100.64.* carrier-grade NAT', 'http://100.64.0.1/x'],
    ['multicast', 'http://239.1.1.1/x'],
    ['IPv6 loopback', 'http://[::1]:9090/x'],
    ['IPv6 loopback, long form', 'http://[0:0:0:0:0:0:0:1]/x'],
    ['IPv6 unspecified', 'http://[::]/x'],
    ['IPv6 unique local fd00::/8', 'http://[fd12:3456::1]/x'],
    ['IPv6 unique local fc00::/8', 'http://[fc00::1]/x'],
    ['IPv6 link-local', 'http://[fe80::1]/x'],
    ['IPv4-mapped IPv6', 'http://[::ffff:10.0.0.1]/x'],
  ])('%s is not (%s)', (_why, url) => {
    expect(isPublicUrl(url)).toBe(false);
  });
});
