import { describe, expect, it } from 'vitest';
import { allowHostsHint, blockedReason, isIpLiteralHost, parseIpv6 } from '../../shared/http/address.ts';
import { isRetryableStatus, parseRetryAfter } from '../../shared/http/errors.ts';
import { HostGate } from '../../shared/http/gate.ts';

describe('SSRF address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.0.0.8', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'this network'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::192.168.1.1', 'private'],
    ['64:ff9b:1::1', 'NAT64'],
    ['2002:c0a8:0101::1', 'private'],
    ['2001:db8::1', 'documentation'],
    ['2001:0::1', 'Teredo'],
    ['not-an-ip', 'unparseable'],
  ])('%s is refused (%s)', (addr, why) => {
    const reason = blockedReason(addr);
    expect(reason).not.toBeNull();
    expect(reason!.toLowerCase()).toContain(why.toLowerCase());
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::6810:85e5',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('%s is public unicast', (addr) => {
    expect(blockedReason(addr)).toBeNull();
  });

  it('parses IPv6 with embedded IPv4 and compression', () => {
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseIpv6('[2001:db8::1]')!.slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
    expect(parseIpv6('1:2:3')).toBeNull();
  });

  it('recognises IP-literal hosts in any notation', () => {
    for (const h of ['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1', '0x7f.1', '[::1]', '127.1']) {
      expect(isIpLiteralHost(h)).toBe(true);
    }
    for (const h of ['example.com', 'feeds.bbci.co.uk', '1.example', 'x1.2.3.4'])
      expect(isIpLiteralHost(h)).toBe(false);
  });
});

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const now = new Date('2015-10-21T07:28:00Z');
  it('reads delay-seconds and HTTP-dates (IMF-fixdate, RFC 850, asctime)', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:30:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed Oct 21 07:29:30 2015', now)).toBe(90_000);
  });
  it('past dates give 0; junk gives null', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
  it('classifies retryable statuses', () => {
    expect([408, 425, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 501].some(isRetryableStatus)).toBe(false);
  });
});

describe('HostGate', () => {
  it('serialises work per host in FIFO order and lets other hosts run concurrently', async () => {
    const gate = new HostGate();
    const log: string[] = [];
    let inA = 0;
    let maxA = 0;
    const job = (host: string, id: string) =>
      gate.run(host, 0, async () => {
        if (host === 'a') maxA = Math.max(maxA, ++inA);
        log.push(`start ${id}`);
        await new Promise((r) => setTimeout(r, 10));
        log.push(`end ${id}`);
        if (host === 'a') inA--;
        return id;
      });
    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1'), job('a', 'a3')]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    expect(maxA).toBe(1);
    const aOrder = log.filter((l) => l.startsWith('start a'));
    expect(aOrder).toEqual(['start a1', 'start a2', 'start a3']);
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });
  it('releases the gate when the work throws', async () => {
    const gate = new HostGate();
    await expect(gate.run('h', 0, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run('h', 0, async () => 'next')).resolves.toBe('next');
  });
});

describe('allowHostsHint', () => {
  it('names the http.allowHosts entry for loopback, private and unique-local hosts only', () => {
    const hint = ' — to fetch it anyway, add it to the config: http.allowHosts: ["127.0.0.1:8080"]';
    expect(allowHostsHint(blockedReason('127.0.0.1'), '127.0.0.1:8080')).toBe(hint);
    expect(allowHostsHint(blockedReason('192.168.1.5'), 'nas.lan:8080')).toContain('["nas.lan:8080"]');
    expect(allowHostsHint(blockedReason('fd00::5'), '[fd00::5]:80')).toContain('["[fd00::5]:80"]');
    expect(
      allowHostsHint('intranet resolves to 10.1.2.3 (private (RFC 1918)) (fetching http://intranet/)', 'intranet:80'),
    ).toContain('["intranet:80"]');
    expect(allowHostsHint(blockedReason('169.254.169.254'), '169.254.169.254:80')).toBe('');
    expect(allowHostsHint(blockedReason('100.64.0.1'), '100.64.0.1:80')).toBe('');
    expect(allowHostsHint(null, 'example.org:443')).toBe('');
  });
});
