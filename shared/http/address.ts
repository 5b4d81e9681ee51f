/**
 * SSRF address policy: which IP addresses the HTTP chokepoint may connect to.
 * Only public unicast is allowed. Ranges follow the IANA IPv4/IPv6 Special-Purpose Address Registries
 * (RFC 6890 and updates: RFC 1918, RFC 6598 CGNAT, RFC 3927 link-local, RFC 5737/3849/9637 documentation,
 * RFC 4193 ULA, RFC 4291 link-local/mapped, RFC 6052 NAT64, RFC 3056 6to4, RFC 4380 Teredo).
 */
import { isIP } from 'node:net';

/** Parses dotted-quad IPv4 (strict: 4 decimal parts 0-255) into 4 bytes, else null. */
export function parseIpv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Parses an IPv6 address (with optional `[]`, zone id and embedded IPv4 tail) into 16 bytes, else null. */
export function parseIpv6(input: string): number[] | null {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (isIP(s) !== 6) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (!v4) return null;
    tail = v4;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [headStr, tailStr] = s.includes('::') ? (s.split('::') as [string, string]) : [s, null];
  const head = headStr ? headStr.split(':') : [];
  const rest = tailStr === null ? [] : tailStr ? tailStr.split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (tailStr === null && missing !== 0) return null;
  const groups = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...rest];
  if (groups.length !== 8) return null;
  const bytes: number[] = [];
  for (const g of groups) {
    const n = parseInt(g, 16);
    if (Number.isNaN(n)) return null;
    bytes.push((n >> 8) & 0xff, n & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function inV4(b: number[], net: [number, number, number, number], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const i = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((b[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

const V4_BLOCKED: Array<[[number, number, number, number], number, string]> = [
  [[0, 0, 0, 0], 8, 'this network'],
  [[10, 0, 0, 0], 8, 'private (RFC 1918)'],
  [[100, 64, 0, 0], 10, 'shared/CGNAT (RFC 6598)'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local (incl. cloud metadata)'],
  [[172, 16, 0, 0], 12, 'private (RFC 1918)'],
  [[192, 0, 0, 0], 24, 'IETF protocol assignments'],
  [[192, 0, 2, 0], 24, 'documentation (TEST-NET-1)'],
  [[192, 31, 196, 0], 24, 'AS112'],
  [[192, 52, 193, 0], 24, 'AMT'],
  [[192, 88, 99, 0], 24, '6to4 relay anycast'],
  [[192, 168, 0, 0], 16, 'private (RFC 1918)'],
  [[192, 175, 48, 0], 24, 'direct delegation AS112'],
  [[198, 18, 0, 0], 15, 'benchmarking'],
  [[198, 51, 100, 0], 24, 'documentation (TEST-NET-2)'],
  [[203, 0, 113, 0], 24, 'documentation (TEST-NET-3)'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved/broadcast'],
];

/** Why an IPv4 address (4 bytes) is not public unicast, or null when it is. */
function v4Reason(b: number[]): string | null {
  for (const [net, prefix, why] of V4_BLOCKED) if (inV4(b, net, prefix)) return why;
  return null;
}

function prefixEq(b: number[], prefix: number[]): boolean {
  return prefix.every((v, i) => b[i] === v);
}

/** Why an IPv6 address (16 bytes) is not public unicast, or null when it is. Unwraps embedded IPv4 first. */
function v6Reason(b: number[]): string | null {
  const zero10 = b.slice(0, 10).every((x) => x === 0);
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d (deprecated) — check the IPv4 inside.
  if (zero10 && b[10] === 0xff && b[11] === 0xff) return v4Reason(b.slice(12)) ?? null;
  if (zero10 && b[10] === 0 && b[11] === 0) {
    if (b.slice(12).every((x) => x === 0)) return 'unspecified';
    if (b.slice(12, 15).every((x) => x === 0) && b[15] === 1) return 'loopback';
    return v4Reason(b.slice(12)) ?? 'IPv4-compatible (deprecated)';
  }
  // NAT64 well-known prefix 64:ff9b::/96 — the IPv4 is in the last 4 bytes.
  if (prefixEq(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return v4Reason(b.slice(12));
  // Local-use NAT64 64:ff9b:1::/48 — translates to anything, refuse.
  if (prefixEq(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01])) return 'local NAT64 (RFC 8215)';
  // 6to4 2002::/16 — the IPv4 is bytes 2-5.
  if (b[0] === 0x20 && b[1] === 0x02) return v4Reason(b.slice(2, 6));
  if ((b[0]! & 0xe0) !== 0x20) {
    // Outside 2000::/3 global unicast: ULA fc00::/7, link-local fe80::/10, multicast ff00::/8, discard 100::/64…
    if ((b[0]! & 0xfe) === 0xfc) return 'unique local (ULA)';
    if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local';
    if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'site-local (deprecated)';
    if (b[0] === 0xff) return 'multicast';
    return 'reserved';
  }
  // Inside 2000::/3 but special: 2001::/23 IETF (Teredo 2001::/32, ORCHID…), 2001:db8::/32 and 3fff::/20 docs.
  if (b[0] === 0x20 && b[1] === 0x01 && (b[2]! & 0xfe) === 0x00) return 'IETF protocol assignments (incl. Teredo)';
  if (prefixEq(b, [0x20, 0x01, 0x0d, 0xb8])) return 'documentation';
  if (b[0] === 0x3f && b[1] === 0xff && (b[2]! & 0xf0) === 0x00) return 'documentation';
  return null;
}

/**
 * Why `address` (an IPv4 or IPv6 literal as DNS answers give it) must not be connected to, or null when it is
 * public unicast. Unparseable input is refused (`unparseable address`).
 */
export function blockedReason(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4) return v4Reason(v4);
  const v6 = parseIpv6(address);
  if (v6) return v6Reason(v6);
  return 'unparseable address';
}

/**
 * True when a URL host (as written, before WHATWG normalisation) is an IP literal in any notation:
 * dotted decimal, a single decimal/hex/octal number (`2130706433`, `0x7f000001`), dotted hex/octal parts
 * (`0x7f.1`, `0177.0.0.1`), or a bracketed IPv6 literal.
 */
export function isIpLiteralHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.startsWith('[')) return true;
  if (isIP(h)) return true;
  // WHATWG IPv4 parser: 1-4 dot-separated parts, each decimal, 0x-hex or 0-octal.
  const parts = h.split('.');
  if (parts.length > 4 || parts.length === 0) return false;
  return parts.every((p) => /^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$/.test(p));
}

/** Reasons for which an operator may rightly want to fetch anyway: their own loopback or private-network host. */
const OWN_NETWORK = /^(loopback|private \(RFC 1918\)|unique local \(ULA\))$/;

/**
 * The fix to name when the SSRF guard refuses a host on the operator's own machine or network (loopback, RFC 1918
 * private, IPv6 unique local): ` — to fetch it anyway, add it to the config: http.allowHosts: ["127.0.0.1:8080"]`.
 * Other refusals (link-local and cloud metadata, CGNAT, multicast, reserved, documentation…) get no hint: no feed
 * lives there.
 * @param reason a reason from `blockedReason`, or a refusal message that quotes one in parentheses
 * @param hostPort the `host:port` exactly as `http.allowHosts` matches it (`127.0.0.1:8080`, `[::1]:8080`)
 * @returns the hint, starting with ` — `, or '' when none applies
 */
export function allowHostsHint(reason: string | null, hostPort: string): string {
  if (!reason) return '';
  const own =
    OWN_NETWORK.test(reason) ||
    [...reason.matchAll(/\(([^()]*(?:\([^()]*\))?)\)/g)].some((m) => OWN_NETWORK.test(m[1]!.trim()));
  return own ? ` — to fetch it anyway, add it to the config: http.allowHosts: ["${hostPort}"]` : '';
}
