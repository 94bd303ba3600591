/**
 * Whether Telegram can open `url` from a button: http(s) on a public host. Telegram refuses URL buttons
 * to addresses it cannot reach, and one refused button would fail the whole message, so a private
 * console address means no button rather than no message.
 */
export function isPublicUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  // WHATWG URL parsing has already normalised the host: IPv4 in dotted decimal, IPv6 compressed in brackets.
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return isPublicIpv6(host.slice(1, -1));
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return isPublicIpv4(host);
  // A single label (localhost, `desk`) resolves only inside a network; these suffixes are local by definition.
  return host.includes('.') && !/\.(localhost|local|internal|lan|intranet|home\.arpa)$/.test(host);
}

function isPublicIpv4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // "this" network, private, loopback, multicast and reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 169 && b === 254) return false; // link-local
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  return true;
}

function isPublicIpv6(ip: string): boolean {
  if (ip === '::' || ip === '::1') return false; // unspecified, loopback
  if (ip.startsWith('::ffff:')) return false; // IPv4-mapped: a console is not published that way
  const first = parseInt(ip.split(':')[0] || '0', 16);
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast
  return true;
}
