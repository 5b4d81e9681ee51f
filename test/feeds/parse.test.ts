import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FeedError, parseFeed } from '../../shared/feeds/index.ts';
import type { ParsedFeed } from '../../shared/types.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url));
const NOW = new Date('2023-03-22T00:00:00Z');
const parse = (name: string, url = 'https://feeds.example.com/feed.xml', contentType: string | null = null) =>
  parseFeed(fixture(name), { url, contentType, now: NOW });

async function parseError(p: Promise<ParsedFeed>): Promise<FeedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FeedError);
  return err as FeedError;
}

describe('parseFeed: RSS 2.0 normalisation', () => {
  it('normalises title, url, summary, content, dates, author, categories, enclosures', async () => {
    const r = await parse('rss2-news.xml');
    expect(r.feed).toEqual({
      title: 'Wire & World — Top Stories',
      link: 'https://news.example.com/world/',
      format: 'rss',
    });
    expect(r.entries).toHaveLength(3);
    const [a, b, c] = r.entries;
    expect(a!.title).toBe('Beijing and Moscow sign energy pact');
    // relative link → resolved against the channel link, tracking params and fragment removed
    expect(a!.url).toBe('https://news.example.com/world/2023/03/20/pact.html?id=7');
    expect(a!.key).toBe('url:https://news.example.com/world/2023/03/20/pact.html?id=7');
    expect(a!.guid).toBe('story-7');
    expect(a!.summary).toBe('Leaders met in Moscow & agreed.');
    expect(a!.contentHtml).toBe('<p>Full <em>story</em> text.</p>');
    expect(a!.publishedAt).toBe('2023-03-20T11:00:00.000Z');
    expect(a!.updatedAt).toBeNull();
    expect(a!.author).toBe('Jo Writer');
    expect(a!.categories).toEqual(['World', 'Energy']);
    expect(a!.enclosures).toEqual([
      { url: 'https://news.example.com/img/pact.jpg', type: 'image/jpeg', length: 12345 },
      { url: 'https://cdn.example.com/pact-large.jpg', type: 'image/jpeg', length: 99999 },
    ]);
    expect(b!.url).toBe('https://news.example.com/world/second.html');
    expect(b!.author).toBe('World Desk');
    expect(b!.summary).toBeNull();
    expect(b!.contentHtml).toBeNull();
    // guid permalink used as the link; unparseable date → null
    expect(c!.url).toBe('https://news.example.com/world/third.html');
    expect(c!.publishedAt).toBeNull();
  });

  it('reads a date without a zone as UTC whatever the process TZ is', async () => {
    const r = await parse('rss2-news.xml');
    expect(r.entries[1]!.publishedAt).toBe('2023-03-20T08:30:00.000Z');
  });

  it('clamps a date more than a day in the future to the first-seen time, with a warning', async () => {
    const r = await parseFeed(fixture('rss2-news.xml'), {
      url: 'https://feeds.example.com/f',
      now: new Date('2023-03-01T00:00:00Z'),
    });
    expect(r.entries[0]!.publishedAt).toBe('2023-03-01T00:00:00.000Z');
    expect(r.warnings.some((w) => /future/.test(w))).toBe(true);
    // within a day is not clamped
    const r2 = await parseFeed(fixture('rss2-news.xml'), {
      url: 'https://feeds.example.com/f',
      now: new Date('2023-03-20T00:00:00Z'),
    });
    expect(r2.entries[0]!.publishedAt).toBe('2023-03-20T11:00:00.000Z');
    expect(r2.warnings.some((w) => /future/.test(w))).toBe(false);
  });
});

describe('parseFeed: Atom, RDF, JSON Feed', () => {
  it('Atom: xml:base chain, alternate link choice, text constructs, enclosure, dates', async () => {
    const r = await parse('atom-xml-base.xml');
    expect(r.feed).toEqual({ title: 'Example Atom feed', link: 'https://blog.example.org/', format: 'atom' });
    const [a, b] = r.entries;
    expect(a!.url).toBe('https://blog.example.org/news/2023/first.html');
    expect(a!.guid).toBe('tag:blog.example.org,2023:1');
    expect(a!.publishedAt).toBe('2023-03-20T14:00:00.000Z');
    expect(a!.updatedAt).toBe('2023-03-21T10:00:00.000Z');
    expect(a!.author).toBe('Ann Author');
    expect(a!.categories).toEqual(['Politics']);
    expect(a!.summary).toBe('Plain <summary> text');
    expect(a!.contentHtml).toContain('<b>content</b>');
    expect(a!.enclosures).toEqual([
      { url: 'https://blog.example.org/media/first.mp3', type: 'audio/mpeg', length: 1337 },
    ]);
    expect(b!.title).toBe('An XHTML title');
    expect(b!.url).toBe('https://blog.example.org/news/second');
    expect(b!.contentHtml).toBe('<p>Escaped HTML content</p>');
    // dated only by <updated> (RFC 4287 requires it, not <published>): that is its publication time, recorded so
    expect(b!.publishedAt).toBe('2023-03-19T10:00:00.000Z');
    expect(b!.publishedAtSource).toBe('updated');
    expect(b!.updatedAt).toBe('2023-03-19T10:00:00.000Z');
  });

  it('XHTML constructs keep their text order; an empty self-closing one does not swallow the next entry', async () => {
    const x =
      '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title><content type="xhtml"/><link href="https://a.example/1"/></entry>' +
      '<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">B <b>bold</b> &amp; c</div></title><link href="https://a.example/2"/></entry></feed>';
    const r = await parseFeed(Buffer.from(x), { url: 'https://a.example/' });
    expect(r.entries.map((e) => [e.title, e.url])).toEqual([
      ['a', 'https://a.example/1'],
      ['B bold & c', 'https://a.example/2'],
    ]);
  });

  it('Atom with a non-default namespace prefix', async () => {
    const r = await parse('prefixed-atom.xml');
    expect(r.feed.format).toBe('atom');
    expect(r.feed.title).toBe('Prefixed Atom');
    expect(r.entries.map((e) => [e.title, e.url])).toEqual([['Prefixed entry', 'https://prefixed.example.com/1']]);
  });

  it('RSS 1.0 / RDF', async () => {
    const r = await parse('rdf-rss1.xml');
    expect(r.feed.format).toBe('rdf');
    expect(r.entries[0]).toMatchObject({
      title: 'RDF one',
      url: 'https://rdf.example.com/one',
      publishedAt: '2023-03-20T03:00:00.000Z',
      categories: ['Science'],
    });
  });

  it('JSON Feed 1.1', async () => {
    const r = await parse('json-feed-1.1.json', 'https://json.example.net/feed.json', 'application/feed+json');
    expect(r.feed).toEqual({ title: 'JSON Wire', link: 'https://json.example.net/', format: 'json' });
    expect(r.entries).toHaveLength(2);
    const [a, b] = r.entries;
    expect(a).toMatchObject({
      key: 'url:https://json.example.net/a',
      guid: '1',
      title: 'First & foremost',
      summary: 'A summary',
      contentHtml: '<p>Hello</p>',
      publishedAt: '2023-03-20T08:00:00.000Z',
      updatedAt: '2023-03-20T11:00:00.000Z',
      author: 'Feed Author',
      categories: ['world', 'asia'],
      enclosures: [{ url: 'https://json.example.net/pod/1.mp3', type: 'audio/mpeg', length: 42 }],
    });
    expect(b).toMatchObject({
      guid: '2',
      url: 'https://elsewhere.example.com/story',
      title: '',
      contentHtml: 'Text only &lt;not html&gt;',
      author: 'Item Author',
    });
  });

  it('JSON Feed 1.0 (author object)', async () => {
    const r = await parse('json-feed-1.0.json');
    expect(r.entries[0]!.author).toBe('Old Author');
  });

  it('JSON that is not a feed → not_a_feed; broken JSON → parse_error', async () => {
    expect((await parseError(parseFeed(Buffer.from('{"hello":1}'), { url: 'https://x.example/' }))).code).toBe(
      'not_a_feed',
    );
    expect((await parseError(parseFeed(Buffer.from('{"version":'), { url: 'https://x.example/' }))).code).toBe(
      'parse_error',
    );
  });
});

describe('parseFeed: hostile and messy input', () => {
  it('HTML served instead of a feed → not_a_feed with advertised feed URLs', async () => {
    const err = await parseError(parse('not-a-feed.html', 'https://www.example.com/news/', 'text/html; charset=utf-8'));
    expect(err.code).toBe('not_a_feed');
    expect(err.suggestions).toEqual(['https://www.example.com/rss/top.xml', 'https://feeds.example.com/world.atom']);
  });

  it('never expands DTD entities (billion laughs, external entities)', async () => {
    const r = await parse('billion-laughs.xml');
    const e = r.entries[0]!;
    expect(e.title.length).toBeLessThan(50);
    expect(e.title).not.toContain('lollol');
    expect(e.summary ?? '').not.toContain('root:');
    expect(e.url).toBe('https://laughs.example.com/1');
  });

  it('a stray & and unknown entities do not lose the feed; HTML entities decode; controls are stripped', async () => {
    const r = await parse('stray-ampersand.xml');
    expect(r.feed.title).toBe('Fish & Chips daily');
    expect(r.entries).toHaveLength(2);
    expect(r.entries[0]!.title).toBe('Cod & haddock prices été © 2023 &bogus; a < b');
    expect(r.entries[0]!.url).toBe('https://fish.example.com/a?x=1&y=2');
    expect(r.entries[0]!.summary).toBe('Ben & Jerry–s ok');
  });

  it('an unclosed element does not swallow the items after it', async () => {
    const r = await parse('unclosed-tags.xml');
    expect(r.entries.map((e) => e.title)).toEqual(['Survives an unclosed element']);
    expect(r.warnings.some((w) => /not well-formed/.test(w))).toBe(true);
  });

  it('garbage and truncated-beyond-repair documents → parse_error or not_a_feed, never a crash', async () => {
    for (const body of ['', '   ', 'hello world', '<', '<rss', '<?xml version="1.0"?><catalog/>', '\u0000\u0001']) {
      const err = await parseError(parseFeed(Buffer.from(body), { url: 'https://x.example/' }));
      expect(['parse_error', 'not_a_feed']).toContain(err.code);
    }
  });

  it('Atom quirks rss-parser alone would throw on: link as text, unreadable dates', async () => {
    const xml = Buffer.from(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>q</title><link>https://q.example.com/</link>' +
        '<entry><title>one</title><link>https://q.example.com/1</link><published>yesterday-ish</published>' +
        '<updated> </updated></entry><entry><title>two</title><link href="/2"/><updated>2023-03-20T10:00:00Z</updated></entry></feed>',
    );
    const r = await parseFeed(xml, { url: 'https://q.example.com/feed' });
    expect(r.feed.link).toBe('https://q.example.com/');
    expect(r.entries.map((e) => [e.url, e.publishedAt, e.updatedAt, e.publishedAtSource])).toEqual([
      ['https://q.example.com/1', null, null, null],
      ['https://q.example.com/2', '2023-03-20T10:00:00.000Z', '2023-03-20T10:00:00.000Z', 'updated'],
    ]);
  });

  it('mangled documents (truncated, bytes flipped, tags dropped) give a feed or a FeedError, never a crash', async () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const sources = [
      'rss2-news.xml',
      'atom-xml-base.xml',
      'json-feed-1.1.json',
      'rdf-rss1.xml',
      'cp1251-declared.xml',
    ].map(fixture);
    let parsed = 0;
    for (let i = 0; i < 150; i++) {
      const src = sources[i % sources.length]!;
      let b = Buffer.from(src);
      const op = rand(3);
      if (op === 0) b = b.subarray(0, rand(b.length));
      else if (op === 1) for (let k = 0; k < 5; k++) b[rand(b.length)] = rand(256);
      else {
        const at = rand(b.length);
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + rand(40)))]);
      }
      try {
        const r = await parseFeed(b, { url: 'https://m.example.com/feed' });
        expect(Array.isArray(r.entries)).toBe(true);
        parsed++;
      } catch (err) {
        expect(err).toBeInstanceOf(FeedError);
      }
    }
    expect(parsed).toBeGreaterThan(50);
  });

  it('reads a gzip body that is still compressed', async () => {
    const r = await parseFeed(zlib.gzipSync(fixture('rdf-rss1.xml')), { url: 'https://rdf.example.com/feed' });
    expect(r.entries).toHaveLength(1);
  });
});

describe('publication time of entries dated only by an update time', () => {
  it('an Atom backlog with only <updated> keeps its old dates as publication times (source "updated")', async () => {
    const entry = (i: number, dates: string) =>
      `<entry><id>urn:e:${i}</id><title>Entry ${i}</title><link href="https://backlog.example.org/${i}"/>${dates}</entry>`;
    const xml = Buffer.from(
      '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Backlog</title><id>urn:f</id>' +
        '<updated>2023-03-21T00:00:00Z</updated>' +
        entry(1, '<updated>2019-06-01T08:00:00Z</updated>') +
        entry(2, '<published>2023-03-21T09:00:00Z</published><updated>2023-03-21T10:00:00Z</updated>') +
        entry(3, '') +
        '</feed>',
    );
    const r = await parseFeed(xml, { url: 'https://backlog.example.org/atom', now: NOW });
    expect(r.entries.map((e) => [e.publishedAt, e.updatedAt, e.publishedAtSource])).toEqual([
      ['2019-06-01T08:00:00.000Z', '2019-06-01T08:00:00.000Z', 'updated'],
      ['2023-03-21T09:00:00.000Z', '2023-03-21T10:00:00.000Z', 'published'],
      [null, null, null],
    ]);
  });

  it('RSS pubDate is "published"; a JSON Feed item with only date_modified is "updated"', async () => {
    const rss = await parse('rss2-news.xml');
    expect(rss.entries[0]!.publishedAtSource).toBe('published');
    const json = Buffer.from(
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'j',
        items: [{ id: '1', url: 'https://j.example.org/1', title: 't', date_modified: '2020-02-02T02:02:02Z' }],
      }),
    );
    const r = await parseFeed(json, { url: 'https://j.example.org/feed.json', now: NOW });
    expect(r.entries[0]).toMatchObject({ publishedAt: '2020-02-02T02:02:02.000Z', publishedAtSource: 'updated' });
  });

  it('the stand-in date is clamped like any other when it lies in the future', async () => {
    const xml = Buffer.from(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title><entry><id>urn:x</id><title>x</title>' +
        '<link href="https://f.example.org/x"/><updated>2031-01-01T00:00:00Z</updated></entry></feed>',
    );
    const r = await parseFeed(xml, { url: 'https://f.example.org/atom', now: NOW });
    expect(r.entries[0]).toMatchObject({ publishedAt: NOW.toISOString(), publishedAtSource: 'updated' });
  });
});

describe('xml:base (RFC 4287 §2, XML Base) for entry links and relative URLs inside content', () => {
  it('resolves feed, entry and content xml:base in order, for href, src and srcset in HTML content', async () => {
    const r = await parse('atom-xml-base-content.xml', 'https://feeds.example.org/atom');
    const [a, b] = r.entries;
    expect(a!.url).toBe('https://blog.example.org/news/2023/first.html');
    const html = a!.contentHtml!;
    expect(html).toContain('<img src="https://blog.example.org/news/2023/media/img/x.jpg" alt="x">');
    expect(html).toContain('<a href="https://blog.example.org/news/2023/other.html">other</a>');
    expect(html).toContain('<a href="https://blog.example.org/root.html?a=1&amp;b=2">root</a>');
    expect(html).toContain('<a href="https://elsewhere.example.com/abs">abs</a>');
    expect(html).toContain('<a href="mailto:desk@example.org">mail</a>');
    expect(html).toContain('<a href="https://blog.example.org/news/2023/media/#notes">notes</a>');
    expect(html).toContain(
      'srcset="https://blog.example.org/news/2023/media/s.jpg 1x, https://blog.example.org/news/2023/media/l.jpg 2x"',
    );
    expect(html).toContain('src="https://blog.example.org/news/2023/media/plain.jpg"');
    // a link's own xml:base wins over the entry's; XHTML content resolves nested xml:base and drops it
    expect(b!.url).toBe('https://mirror.example.net/archive/second.html');
    expect(b!.contentHtml).toBe(
      '<p>See <a href="https://blog.example.org/pages/story.html">the story</a>.</p>' +
        '<p><img src="https://cdn.example.net/i/a.png" alt="a" /></p>',
    );
  });

  it('RSS content resolves against the channel link, as the item link does', async () => {
    const r = await parse('rss-relative-content.xml', 'https://feeds.example.com/world.rss');
    expect(r.entries[0]!.url).toBe('https://www.example.com/world/pictures.html');
    expect(r.entries[0]!.contentHtml).toBe(
      '<p><img src="https://www.example.com/img/p.jpg"> <a href="https://www.example.com/about">about</a></p>',
    );
  });
});

describe('parseFeed: decoding (BOM → HTTP charset → XML declaration)', () => {
  it('windows-1251 declared in the XML declaration', async () => {
    const r = await parse('cp1251-declared.xml');
    expect(r.feed.title).toBe('Новости Оренбурга');
  });
  it('declared ISO-8859-1 but bytes are UTF-8 → UTF-8 wins', async () => {
    const r = await parse('utf8-declared-latin1.xml');
    expect(r.feed.title).toBe('Notícias de São Paulo — café');
  });
  it('declared ISO-8859-1, UTF-8 bytes with one stray windows-1252 byte → UTF-8, the stray in the declared charset', async () => {
    const r = await parse('utf8-declared-latin1-stray.xml');
    expect(r.entries.map((e) => e.title)).toEqual(['Défilé à Paris : les créateurs présentent l’été', 'Rétrospective']);
    expect(r.entries[1]!.summary).toBe('Les modèles de l’année');
    for (const e of r.entries) expect(`${e.title} ${e.summary}`).not.toMatch(/Ã|â€|\ufffd/);
    // the same bytes with the single-byte label in the HTTP header instead
    const viaHttp = await parse(
      'utf8-declared-latin1-stray.xml',
      'https://mode.example.fr/feed',
      'application/rss+xml; charset=windows-1252',
    );
    expect(viaHttp.entries[0]!.title).toBe('Défilé à Paris : les créateurs présentent l’été');
    expect(viaHttp.warnings.some((w) => /contradicted by the bytes; decoded as utf-8/.test(w))).toBe(true);
  });
  it('a true ISO-8859-1 feed stays ISO-8859-1, even when two of its bytes happen to form a UTF-8 sequence', async () => {
    // «Fluß» is DF BB in ISO-8859-1: a well-formed two-byte UTF-8 sequence among many bytes that are not UTF-8.
    const r = await parse('latin1-declared-true.xml');
    expect(r.feed.title).toBe('Journal de Genève');
    expect(r.entries[0]!.title).toBe('«Großstraße» und «Fluß» gesperrt');
    expect(r.entries[0]!.summary).toBe('Café fermé.');
  });
  it('undeclared windows-1252 bytes (not valid UTF-8) decode as windows-1252', async () => {
    const r = await parse('cp1252-undeclared.xml');
    expect(r.feed.title).toBe('Café “quotes” — dash');
  });
  it('UTF-16LE with BOM', async () => {
    const r = await parse('utf16le-bom.xml');
    expect(r.feed.title).toBe('Ünïcödé 16');
  });
  it('charset from the HTTP Content-Type (latin1 label → windows-1252)', async () => {
    const r = await parse('latin1-http.xml', 'https://enc.example.com/feed', 'text/xml; charset=latin1');
    expect(r.feed.title).toBe('Jornal de Notícias');
    expect(r.entries[0]!.title).not.toContain('\ufffd');
  });
});

describe('entry identity', () => {
  it('URL first; GUID only when not reused for different links; else a hash of feed + title + date', async () => {
    const r = await parse('guid-reuse.xml', 'https://g.example.com/feed');
    const keys = r.entries.map((e) => e.key);
    // "same" is reused by two link-less entries and a linked one → never a guid key
    expect(keys[0]).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(keys[1]).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe('guid:unique-1');
    expect(keys[3]).toMatch(/^hash:/);
    expect(keys[4]).toBe('url:https://g.example.com/x');
    // the same link with other tracking parameters is the same entry: dropped as a duplicate
    expect(r.entries).toHaveLength(5);
    expect(r.warnings.some((w) => /duplicates/.test(w))).toBe(true);
  });

  it('the same article in two feeds (different wrappers and tracking) has one key', async () => {
    const rss = Buffer.from(
      '<rss version="2.0"><channel><title>A</title><item><title>Story</title><link>https://www.example.com/story?utm_source=a#x</link></item></channel></rss>',
    );
    const atom = Buffer.from(
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>B</title><entry><title>Story, updated</title>' +
        '<link href="https://news.google.com/news/url?url=https://WWW.example.com:443/story?fbclid=1"/><id>b1</id></entry></feed>',
    );
    const a = await parseFeed(rss, { url: 'https://feed-a.example.org/rss' });
    const b = await parseFeed(atom, { url: 'https://feed-b.example.org/atom' });
    expect(a.entries[0]!.key).toBe('url:https://www.example.com/story');
    expect(b.entries[0]!.key).toBe(a.entries[0]!.key);
  });

  it('a title edit does not change a URL key; hash keys depend on the feed URL', async () => {
    const xml = (title: string) =>
      Buffer.from(
        `<rss version="2.0"><channel><title>t</title><item><title>${title}</title><link>https://k.example.com/a?utm_source=z</link></item><item><title>${title}</title></item></channel></rss>`,
      );
    const a = await parseFeed(xml('Original'), { url: 'https://k.example.com/feed' });
    const b = await parseFeed(xml('Edited title'), { url: 'https://k.example.com/feed' });
    const c = await parseFeed(xml('Original'), { url: 'https://other.example.com/feed' });
    expect(a.entries[0]!.key).toBe(b.entries[0]!.key);
    expect(a.entries[1]!.key).not.toBe(b.entries[1]!.key);
    expect(a.entries[1]!.key).not.toBe(c.entries[1]!.key);
  });
});
