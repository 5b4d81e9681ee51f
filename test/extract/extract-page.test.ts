import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { EXTRACTOR_NAME, EXTRACTOR_VERSION, extractPage } from '../../shared/extract/index.ts';
import { fixture } from './helpers.ts';

const URL_ = 'https://news.example.org/world/story-1';

describe('extractPage: a news article', () => {
  it('extracts text, metadata, canonical URL and lead image, and drops boilerplate', async () => {
    const x = await extractPage({ body: fixture('article.html'), url: URL_, contentType: 'text/html; charset=utf-8' });
    expect(x.status).toBe('full');
    expect(x.reason).toBeNull();
    expect(x.url).toBe(URL_);
    expect(x.title).toBe('Beijing and Moscow sign new energy pact');
    expect(x.siteName).toBe('Example News');
    expect(x.lang).toBe('en-GB');
    expect(x.publishedAt).toBe('2026-03-03T08:30:00.000Z');
    expect(x.modifiedAt).toBe('2026-03-03T11:00:00.000Z');
    expect(x.canonicalUrl).toBe('https://news.example.org/world/energy-pact');
    expect(x.leadImage).toBe('https://news.example.org/img/pact.jpg');
    expect(x.byline).toMatch(/Ada Lovelace/);
    expect(x.extractor).toEqual({ name: EXTRACTOR_NAME, version: EXTRACTOR_VERSION, dom: 'linkedom' });
    // paragraphs separated by one blank line
    const paragraphs = x.text.split('\n\n');
    expect(paragraphs[0]).toMatch(/^China and Russia signed a thirty-year agreement/);
    expect(x.text).not.toMatch(/\n{3,}/);
    expect(x.text).toContain('European buyers, who once took most');
    // boilerplate Readability keeps: newsletter prompt, "Read more", related list, share bar, image credit, footer
    expect(x.text).not.toMatch(/newsletter/i);
    expect(x.text).not.toMatch(/Read more/);
    expect(x.text).not.toMatch(/Oil prices rise after pact/);
    expect(x.text).not.toMatch(/Tweet/);
    expect(x.text).not.toMatch(/Photo: Example Agency/);
    expect(x.text).not.toMatch(/All rights reserved/);
    expect(x.wordCount).toBeGreaterThan(150);
    expect(x.excerpt).toBe('China and Russia agreed a long-term gas supply deal on Tuesday.');
  });

  it('gives the same text on jsdom as on linkedom, and records the engine', async () => {
    const a = await extractPage({ body: fixture('article.html'), url: URL_ });
    const b = await extractPage({ body: fixture('article.html'), url: URL_ }, { dom: 'jsdom' });
    expect(b.extractor.dom).toBe('jsdom');
    expect(b.text).toBe(a.text);
    expect(b.title).toBe(a.title);
  });
});

describe('extractPage: decoding', () => {
  it('decodes windows-1251 named only in the HTTP Content-Type', async () => {
    const bytes = iconv.encode(fixture('cyrillic.html').toString('utf8'), 'windows-1251');
    expect(bytes.includes(Buffer.from('charset'))).toBe(false);
    const x = await extractPage({ body: bytes, url: URL_, contentType: 'text/html; charset=windows-1251' });
    expect(x.title).toBe('Москва и Пекин договорились о поставках газа');
    expect(x.text).toContain('Россия и Китай во вторник подписали соглашение');
    expect(x.text).not.toContain('\uFFFD');
    expect(x.lang).toBe('ru');
  });

  it('decodes UTF-8 with no charset anywhere (no header, no meta)', async () => {
    const body = fixture('utf8-nocharset.html');
    expect(body.toString('latin1')).not.toMatch(/charset/i);
    const x = await extractPage({ body, url: URL_ });
    expect(x.title).toBe('Grüße aus Köln: Überraschung beim Straßenfest');
    expect(x.text).toContain('Überraschung: Ein Chor aus Zürich');
    expect(x.status).toBe('full');
  });

  it('uses <meta charset> from the first 1024 bytes when the header has none', async () => {
    const html = `<!DOCTYPE html><html><head><meta charset="windows-1251"><title>Новости</title></head><body><article>${'<p>Россия и Китай подписали соглашение о поставках газа на тридцать лет вперед, сообщили официальные лица.</p>'.repeat(6)}</article></body></html>`;
    const x = await extractPage({ body: iconv.encode(html, 'windows-1251'), url: URL_, contentType: 'text/html' });
    expect(x.text).toContain('Россия и Китай подписали соглашение');
  });
});

describe('extractPage: walls and fallbacks', () => {
  it('detects a consent wall and stores the feed text instead', async () => {
    const fallback = { title: 'Feed title', summary: 'China and Russia hold talks on energy.' };
    const x = await extractPage({ body: fixture('consent-wall.html'), url: URL_ }, { fallback });
    expect(x.status).toBe('blocked_consent');
    expect(x.reason).toMatch(/consent/);
    expect(x.text).toBe('China and Russia hold talks on energy.');
    expect(x.text).not.toMatch(/cookies/);
  });

  it('marks a consent wall with no feed text and stores no wall text', async () => {
    const x = await extractPage({ body: fixture('consent-wall.html'), url: URL_ });
    expect(x.status).toBe('blocked_consent');
    expect(x.text).toBe('');
    expect(x.wordCount).toBe(0);
  });

  it('detects a paywall teaser from JSON-LD isAccessibleForFree=false and drops the pitch', async () => {
    const x = await extractPage({ body: fixture('paywall-teaser.html'), url: URL_ });
    expect(x.status).toBe('paywalled');
    expect(x.paywalled).toBe(true);
    expect(x.reason).toMatch(/isAccessibleForFree/);
    expect(x.text).toMatch(/^Russian officials have quietly redrawn/);
    expect(x.text).not.toMatch(/Subscribe|subscriber/);
    expect(x.byline).toBe('Mara Quill');
    expect(x.publishedAt).toBe('2026-02-10T06:00:00.000Z');
  });

  it('prefers longer feed text over a paywall teaser', async () => {
    const summary = 'Russian officials have redrawn their plans for trade with China. '.repeat(10).trim();
    const x = await extractPage({ body: fixture('paywall-teaser.html'), url: URL_ }, { fallback: { summary } });
    expect(x.status).toBe('paywalled');
    expect(x.text).toBe(summary);
  });

  it('falls back to the feed summary for a script-only app shell', async () => {
    const fallback = { title: 'Story 123', summary: 'Talks between Beijing and Moscow ended without a deal.' };
    const x = await extractPage({ body: fixture('app-shell.html'), url: URL_ }, { fallback });
    expect(x.status).toBe('feed_only');
    expect(x.reason).toMatch(/app shell/);
    expect(x.text).toBe('Talks between Beijing and Moscow ended without a deal.');
    expect(x.excerpt).toBe('Talks between Beijing and Moscow ended without a deal.');
  });

  it('reports no_content for an app shell without feed text', async () => {
    const x = await extractPage({ body: fixture('app-shell.html'), url: URL_ });
    expect(x.status).toBe('no_content');
    expect(x.text).toBe('');
  });

  it('uses JSON-LD articleBody when the page body has no article', async () => {
    const x = await extractPage({ body: fixture('jsonld-only.html'), url: URL_ });
    expect(x.status).toBe('full');
    expect(x.text.split('\n\n')).toHaveLength(3);
    expect(x.text).toMatch(/^Ports along the northern coast reopened/);
    expect(x.byline).toBe('Kenji Mori');
    expect(x.publishedAt).toBe('2026-01-05T05:00:00.000Z');
    expect(x.excerpt).not.toMatch(/Loading/);
  });

  it('turns feed contentHtml into text (never keeps markup) when the page is not HTML', async () => {
    const fallback = { contentHtml: '<p>First <b>paragraph</b>.</p><script>alert(1)</script><p>Second one.</p>' };
    const x = await extractPage(
      { body: Buffer.from('%PDF-1.7'), url: URL_, contentType: 'application/pdf' },
      { fallback },
    );
    expect(x.status).toBe('feed_only');
    expect(x.reason).toBe('not html (application/pdf)');
    expect(x.text).toBe('First paragraph.\n\nSecond one.');
  });

  it('refuses a pathologically deep page (dom_too_deep) on both engines and falls back to the feed', async () => {
    const deep = `${'<div>'.repeat(3000)}deep text${'</div>'.repeat(3000)}`;
    for (const dom of ['linkedom', 'jsdom'] as const) {
      const x = await extractPage(
        { body: deep, url: URL_, contentType: 'text/html' },
        { dom, fallback: { summary: 'Feed text.' } },
      );
      expect(x.status).toBe('feed_only');
      expect(x.reason).toMatch(/^dom_too_deep: /);
      expect(x.text).toBe('Feed text.');
    }
  });

  it('never throws on garbage and reports failed without fallback', async () => {
    const x = await extractPage({
      body: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]),
      url: URL_,
      contentType: 'image/png',
    });
    expect(x.status).toBe('failed');
    expect(x.text).toBe('');
  });
});

describe('extractPage: metadata details', () => {
  it('resolves lazy-loaded images to absolute URLs for the lead image', async () => {
    const x = await extractPage({
      body: fixture('lazy-images.html'),
      url: 'https://photos.example.net/2026/festival.html',
    });
    expect(x.leadImage).toBe('https://photos.example.net/media/festival-1200.jpg');
    expect(x.status).toBe('full');
  });

  it('keeps lang and dir of an RTL page and removes an em-dash site suffix from the title', async () => {
    const x = await extractPage({ body: fixture('rtl.html'), url: URL_ });
    expect(x.dir).toBe('rtl');
    expect(x.lang).toBe('ar');
    expect(x.title).toBe('روسيا والصين توقعان اتفاقية جديدة للطاقة');
    expect(x.text).toContain('وقعت روسيا والصين يوم الثلاثاء');
  });

  it('removes "|" and "—" site-name suffixes from <title> when nothing better exists', async () => {
    const page = (title: string) =>
      `<!DOCTYPE html><html><head><title>${title}</title></head><body><div><p>Short.</p></div></body></html>`;
    const a = await extractPage({ body: page('Talks stall in Geneva | Example News'), url: URL_ });
    const b = await extractPage({ body: page('Talks stall in Geneva — Example News'), url: URL_ });
    expect(a.title).toBe('Talks stall in Geneva');
    expect(b.title).toBe('Talks stall in Geneva');
  });

  it('resolves relative canonical URLs against <base href>', async () => {
    const html = `<html><head><base href="https://cdn.example.com/en/"><link rel="canonical" href="story/42"></head><body><p>x</p></body></html>`;
    const x = await extractPage({ body: html, url: URL_ });
    expect(x.canonicalUrl).toBe('https://cdn.example.com/en/story/42');
  });
});

describe('extractPage: dates and parser fidelity', () => {
  const article = (head: string, body: string) =>
    `<!DOCTYPE html><html><head><title>Story</title>${head}</head><body><article>${body}${'<p>Officials from both countries met again in Geneva to discuss the pipeline route, its financing and the timetable for construction.</p>'.repeat(5)}</article></body></html>`;

  it('takes publishedAt from <time datetime> when no JSON-LD or meta gives it', async () => {
    const x = await extractPage({
      body: article('', '<p>Posted <time datetime="2026-04-01T10:00:00+02:00">1 April</time></p>'),
      url: URL_,
    });
    expect(x.publishedAt).toBe('2026-04-01T08:00:00.000Z');
  });

  it('reads publisher date tags (Parse.ly) and prefers JSON-LD over them', async () => {
    const parsely = '<meta name="parsely-pub-date" content="2026-04-02T09:15:00Z">';
    expect((await extractPage({ body: article(parsely, ''), url: URL_ })).publishedAt).toBe('2026-04-02T09:15:00.000Z');
    const both =
      parsely +
      '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2026-04-03T00:00:00Z"}</script>';
    expect((await extractPage({ body: article(both, ''), url: URL_ })).publishedAt).toBe('2026-04-03T00:00:00.000Z');
  });

  it('keeps the paragraph break of a <p> opened inside another <p> on linkedom, as jsdom does', async () => {
    const body =
      '<p><em><span class="img"><span>Photo caption ends here</span><p></span>The article starts here and goes on.</em></p>';
    const fast = await extractPage({ body: article('', body), url: URL_ });
    const slow = await extractPage({ body: article('', body), url: URL_ }, { dom: 'jsdom' });
    expect(fast.text).not.toContain('hereThe');
    expect(fast.text.replace(/\s+/g, ' ')).toBe(slow.text.replace(/\s+/g, ' '));
  });
});

describe('extractPage: size cap', () => {
  it('cuts a page larger than maxHtmlBytes and says so', async () => {
    const para =
      '<p>' +
      'The negotiators met again on Tuesday to discuss the pipeline route and its financing. '.repeat(5) +
      '</p>';
    const html = `<!DOCTYPE html><html><head><title>Long read</title></head><body><article>${para.repeat(400)}</article></body></html>`;
    expect(Buffer.byteLength(html)).toBeGreaterThan(100_000);
    const x = await extractPage({ body: Buffer.from(html), url: URL_ }, { maxHtmlBytes: 50_000 });
    expect(x.status).toBe('partial');
    expect(x.reason).toMatch(/larger than 50000 bytes/);
    expect(x.wordCount).toBeGreaterThan(1000);
  });
});
