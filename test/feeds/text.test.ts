import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromContentType, decodeText, normalizeCharsetLabel } from '../../shared/text/charset.ts';
import { parseDate, toIsoUtc } from '../../shared/text/date.ts';
import { htmlToText } from '../../shared/text/html.ts';
import { canonicalizeUrl } from '../../shared/feeds/url.ts';

describe('charsetFromContentType', () => {
  it.each([
    ['text/html; charset=windows-1251', 'windows-1251'],
    ['text/xml;Charset="ISO-8859-1"', 'iso-8859-1'],
    ['application/rss+xml; type=x; charset = utf-8 ; q=1', 'utf-8'],
    ['text/html', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%s → %s', (ct, want) => {
    expect(charsetFromContentType(ct)).toBe(want);
  });
});

describe('decodeText', () => {
  const utf8 = Buffer.from('Привет, café', 'utf8');
  it('BOMs win over declarations: UTF-8, UTF-16LE/BE, UTF-32LE', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]), ['windows-1252'])).toEqual({
      text: 'Привет, café',
      charset: 'utf-8',
      source: 'bom',
    });
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]);
    expect(decodeText(le, ['utf-8'])).toMatchObject({ text: 'héllo', charset: 'utf-16le', source: 'bom' });
    const be = Buffer.from([0xfe, 0xff, 0x00, 0x68, 0x00, 0xe9]);
    expect(decodeText(be, [])).toMatchObject({ text: 'hé', charset: 'utf-16be' });
    const le32 = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), iconv.encode('x€', 'utf32le')]);
    expect(decodeText(le32, [])).toMatchObject({ text: 'x€', charset: 'utf-32le', source: 'bom' });
  });
  it('first known declared label is used', () => {
    const cp1251 = iconv.encode('Новости', 'windows-1251');
    expect(decodeText(cp1251, [null, 'x-unknown-label', 'windows-1251'])).toEqual({
      text: 'Новости',
      charset: 'windows-1251',
      source: 'declared',
    });
  });
  it('a declared single-byte charset contradicted by valid multibyte UTF-8 → UTF-8', () => {
    expect(decodeText(utf8, ['iso-8859-1'])).toMatchObject({
      text: 'Привет, café',
      charset: 'utf-8',
      source: 'sniffed',
    });
    expect(decodeText(utf8, ['windows-1251'])).toMatchObject({ charset: 'utf-8' });
  });
  it('ISO-8859-1 / latin1 / US-ASCII labels decode as windows-1252 (WHATWG)', () => {
    const bytes = Buffer.from([0x93, 0x41, 0x94, 0x80]);
    for (const label of ['ISO-8859-1', 'latin1', 'us-ascii']) {
      expect(decodeText(bytes, [label])).toEqual({ text: '“A”€', charset: 'windows-1252', source: 'declared' });
    }
    expect(normalizeCharsetLabel('GB2312')).toBe('gbk');
    expect(normalizeCharsetLabel('nonsense')).toBeNull();
  });
  it('nothing declared: UTF-8 if valid, else windows-1252', () => {
    expect(decodeText(utf8, [])).toMatchObject({ text: 'Привет, café', charset: 'utf-8', source: 'sniffed' });
    expect(decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), [])).toMatchObject({
      text: 'café',
      charset: 'windows-1252',
    });
  });
  it('declared UTF-16 without BOM on ASCII bytes is ignored; BOM-less UTF-16 XML is sniffed', () => {
    expect(decodeText(Buffer.from('<?xml version="1.0" encoding="utf-16"?><a/>'), ['utf-16'])).toMatchObject({
      charset: 'utf-8',
    });
    expect(decodeText(Buffer.from('<?xml version="1.0"?><a>é</a>', 'utf16le'), [])).toMatchObject({
      text: '<?xml version="1.0"?><a>é</a>',
      charset: 'utf-16le',
    });
  });
  it('declared single-byte, mostly UTF-8 with stray bytes: UTF-8, strays in the declared charset', () => {
    const bytes = Buffer.concat([Buffer.from('Défilé — « été » '), Buffer.from([0x92, 0x41])]);
    expect(decodeText(bytes, ['iso-8859-1'])).toEqual({
      text: 'Défilé — « été » ’A',
      charset: 'utf-8',
      source: 'sniffed',
    });
    expect(decodeText(bytes, ['iso-8859-15']).text).toBe('Défilé — « été » \u0092A');
    // a Latin-1 text with a few high bytes (one pair accidentally UTF-8-shaped) stays Latin-1
    const latin1 = Buffer.from('Fluß» und Café, à côté', 'latin1');
    expect(decodeText(latin1, ['iso-8859-1'])).toMatchObject({ text: 'Fluß» und Café, à côté', source: 'declared' });
  });
  it('declared UTF-8 on bytes without any valid multibyte sequence → windows-1252 (no U+FFFD)', () => {
    const r = decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x93, 0x78, 0x94]), ['utf-8']);
    expect(r.text).toBe('café “x”');
    expect(r.text).not.toContain('\ufffd');
  });
});

describe('parseDate (zone-less = UTC, never the machine zone)', () => {
  it.each([
    ['Mon, 20 Mar 2023 12:00:00 GMT', '2023-03-20T12:00:00.000Z'],
    ['Mon, 20 Mar 2023 12:00:00 +0100', '2023-03-20T11:00:00.000Z'],
    ['20 Mar 23 12:00 EST', '2023-03-20T17:00:00.000Z'],
    ['Mon, 20 Mar 2023 12:00:00', '2023-03-20T12:00:00.000Z'],
    ['Fri, 11 Oct 2019 14:30:00 -0400 (EDT)', '2019-10-11T18:30:00.000Z'],
    ['2023-03-20T12:00:00Z', '2023-03-20T12:00:00.000Z'],
    ['2023-03-20T12:00:00.25-02:30', '2023-03-20T14:30:00.250Z'],
    ['2023-03-20T12:00:00', '2023-03-20T12:00:00.000Z'],
    ['2023-03-20 12:00', '2023-03-20T12:00:00.000Z'],
    ['2023-03-20', '2023-03-20T00:00:00.000Z'],
    ['20230320T120000Z', '2023-03-20T12:00:00.000Z'],
    ['Sun Nov  6 08:49:37 1994', '1994-11-06T08:49:37.000Z'],
    ['March 20, 2023 3:04 PM', '2023-03-20T15:04:00.000Z'],
    ['2023/03/20 12:00:00', '2023-03-20T12:00:00.000Z'],
    // DST boundary in America/New_York: must not move
    ['2023-03-12T02:30:00', '2023-03-12T02:30:00.000Z'],
    ['Sun, 05 Nov 2023 01:30:00', '2023-11-05T01:30:00.000Z'],
  ])('%s → %s', (input, want) => {
    expect(toIsoUtc(input)).toBe(want);
  });
  it.each(['', 'soon', '2023-02-30', '32 Mar 2023', 'Mon, 20 Foo 2023 12:00:00 GMT', '2023-03-20T25:00:00Z'])(
    'rejects %j',
    (input) => {
      expect(parseDate(input)).toBeNull();
    },
  );
});

describe('htmlToText', () => {
  it('strips tags, scripts and comments, decodes entities, collapses whitespace', () => {
    expect(htmlToText('<p>Hello&nbsp;<b>world</b></p><script>x()</script><!-- c --><p>A &amp; B &#8211; C</p>')).toBe(
      'Hello world A & B – C',
    );
    expect(htmlToText(null)).toBe('');
  });
});

describe('canonicalizeUrl', () => {
  it.each([
    ['HTTP://Example.COM:80/a/b?utm_source=x&b=1&fbclid=2&UTM_Medium=y#frag', null, 'http://example.com/a/b?b=1'],
    ['https://example.com:443/?gclid=1&mc_cid=2&mc_eid=3', null, 'https://example.com/'],
    ['https://example.com:8443/x', null, 'https://example.com:8443/x'],
    ['/story?id=7#c', 'https://news.example.com/world/', 'https://news.example.com/story?id=7'],
    ['story.html', 'https://news.example.com/world/index.xml', 'https://news.example.com/world/story.html'],
    ['  https://example.com/\tpath  ', null, 'https://example.com/path'],
    ['https://example.com./x?', null, 'https://example.com/x'],
    ['https://Bücher.example/ä', null, 'https://xn--bcher-kva.example/%C3%A4'],
    [
      'https://news.google.com/news/url?sa=t&url=https://site.example.com/a%3Futm_source%3Dg&ct=ga',
      null,
      'https://site.example.com/a',
    ],
    ['https://www.google.com/url?q=https://site.example.com/b&sa=D', null, 'https://site.example.com/b'],
    [
      'http://feedproxy.google.com/~r/Example/~3/abc/https%3A%2F%2Fsite.example.com%2Fc%3Futm_medium%3Drss',
      null,
      'https://site.example.com/c',
    ],
    [
      'http://feedproxy.google.com/~r/Example/~3/abc/story.html',
      null,
      'http://feedproxy.google.com/~r/Example/~3/abc/story.html',
    ],
  ])('%s → %s', (url, base, want) => {
    expect(canonicalizeUrl(url, base)).toBe(want);
  });
  it.each(['javascript:alert(1)', 'mailto:a@b.c', 'ftp://x.example/', 'not a url', '', '//no-base.example/x'])(
    '%j → null',
    (url) => {
      expect(canonicalizeUrl(url)).toBeNull();
    },
  );
  it('is idempotent', () => {
    const once = canonicalizeUrl('HTTPS://A.example:443/x?utm_id=1&k=v#f')!;
    expect(canonicalizeUrl(once)).toBe(once);
  });
});
