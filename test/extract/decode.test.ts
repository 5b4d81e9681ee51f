import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeHtml, prescanMetaCharset } from '../../shared/extract/index.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('prescanMetaCharset (WHATWG prescan, first 1024 bytes)', () => {
  it('finds <meta charset>', () => {
    expect(prescanMetaCharset(b('<!doctype html><html><head><meta charset="Windows-1251"><title>x</title>'))).toBe(
      'windows-1251',
    );
    expect(prescanMetaCharset(b("<meta charset='koi8-r'>"))).toBe('koi8-r');
    expect(prescanMetaCharset(b('<META CHARSET=shift_jis>'))).toBe('shift_jis');
  });

  it('finds http-equiv Content-Type with a charset parameter', () => {
    expect(prescanMetaCharset(b('<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />'))).toBe(
      'gb2312',
    );
    expect(prescanMetaCharset(b('<meta content="text/html; charset=ISO-8859-2" http-equiv="content-type">'))).toBe(
      'iso-8859-2',
    );
  });

  it('ignores http-equiv without a charset, comments, and declarations past 1024 bytes', () => {
    expect(prescanMetaCharset(b('<meta http-equiv="refresh" content="5; charset=koi8-r">'))).toBeNull();
    expect(prescanMetaCharset(b('<!-- <meta charset="koi8-r"> --><meta charset="utf-8">'))).toBe('utf-8');
    expect(prescanMetaCharset(b(`${' '.repeat(1100)}<meta charset="koi8-r">`))).toBeNull();
  });

  it('maps a declared UTF-16 to UTF-8 and x-user-defined to windows-1252', () => {
    expect(prescanMetaCharset(b('<meta charset="utf-16le">'))).toBe('utf-8');
    expect(prescanMetaCharset(b('<meta charset="x-user-defined">'))).toBe('windows-1252');
  });
});

describe('decodeHtml', () => {
  const russian = '<html><head><meta charset="windows-1251"></head><body><p>Привет, мир</p></body></html>';

  it('lets the HTTP charset win over <meta>', () => {
    const koi = iconv.encode(russian.replace('windows-1251', 'koi8-r'), 'windows-1251');
    const d = decodeHtml(koi, 'text/html; charset=windows-1251');
    expect(d.text).toContain('Привет, мир');
    expect(d.httpCharset).toBe('windows-1251');
    expect(d.metaCharset).toBe('koi8-r');
  });

  it('uses <meta> when there is no HTTP charset', () => {
    const d = decodeHtml(iconv.encode(russian, 'windows-1251'), 'text/html');
    expect(d.text).toContain('Привет, мир');
    expect(d.charset).toBe('windows-1251');
  });

  it('honours a BOM over every label', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(russian, 'utf8')]);
    const d = decodeHtml(bytes, 'text/html; charset=windows-1251');
    expect(d.text).toContain('Привет, мир');
    expect(d.source).toBe('bom');
  });

  it('decodes UTF-8 declared or undeclared, and still sniffs UTF-16 without a BOM and honours a UTF-8 BOM', () => {
    const html = '<html><body><p>Привет, мир — 人工智能</p></body></html>';
    for (const ct of [null, 'text/html; charset=utf-8']) {
      const d = decodeHtml(Buffer.from(html, 'utf8'), ct);
      expect([d.text, d.charset, d.source]).toEqual([html, 'utf-8', ct ? 'declared' : 'sniffed']);
    }
    // UTF-16LE bytes are valid UTF-8 (ASCII and NULs); they must not come back as a string full of NULs
    const wide = decodeHtml(iconv.encode('<html><body><p>Hello wide world</p></body></html>', 'utf-16le'), null);
    expect(wide.text).toContain('Hello wide world');
    expect(wide.text).not.toContain('\0');
    const bom = decodeHtml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(html, 'utf8')]), null);
    expect([bom.text, bom.source]).toEqual([html, 'bom']);
  });

  it('decodes valid UTF-8 under a stale legacy multi-byte <meta> as UTF-8', () => {
    const html = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>人工智能迈上新台阶</p>';
    const d = decodeHtml(Buffer.from(html, 'utf8'), null);
    expect(d.text).toContain('人工智能迈上新台阶');
  });

  it('still decodes real GB2312 bytes with their <meta> label', () => {
    const html = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>人工智能迈上新台阶</p>';
    const d = decodeHtml(iconv.encode(html, 'gb2312'), null);
    expect(d.text).toContain('人工智能迈上新台阶');
  });
});
