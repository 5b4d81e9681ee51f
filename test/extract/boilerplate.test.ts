import { describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import {
  cleanParagraphs,
  crossCheck,
  hasBoilerplateName,
  removeBoilerplateBlocks,
  stripCredit,
} from '../../shared/extract/clean.ts';
import { domToParagraphs } from '../../shared/extract/text.ts';
import { extractPage } from '../../shared/extract/index.ts';
import { fixture } from './helpers.ts';

const URL_ = 'https://courier.example.com/news/rail-link';

const BODY = [
  'The rail link between the upper and lower valleys reopened on Monday',
  // the figure's caption, a sentence, stays as a paragraph of its own; its photo credit does not
  'Engineers inspect the rebuilt embankment on Sunday.$',
  'Engineers rebuilt the embankment with a drainage system',
  'Commuters who had spent the spring on replacement buses',
  'The operator said the repair had cost about twelve million',
  'Freight services, which carry timber and stone',
  'Local businesses said the closure had cost them customers',
];

describe('boilerplate cleaning: edges and inside of the article', () => {
  for (const dom of ['linkedom', 'jsdom'] as const) {
    it(`keeps every body paragraph and the caption, drops share bar, photo credit, ads, related, newsletter and bio (${dom})`, async () => {
      const x = await extractPage({ body: fixture('boilerplate-article.html'), url: URL_ }, { dom });
      expect(x.status).toBe('full');
      const paragraphs = x.text.split('\n\n');
      expect(paragraphs).toHaveLength(BODY.length);
      BODY.forEach((start, i) => {
        expect(paragraphs[i]).toMatch(new RegExp(`^${start}`));
      });
      for (const junk of [
        /Facebook|Twitter/, // share bar
        /Photo:|J\. Marsh/, // photo credit at the end of the caption
        /Advertisement/,
        /Landslide closes|Bus replacement plan/, // related list in an aside
        /inbox|newsletter|Sign up/i,
        /correspondent/, // author bio box
        /Follow Jonah/,
        /Read more|Five walks/,
        /Tuesday 12 May/, // timestamp line
        /All rights reserved/,
      ])
        expect(x.text).not.toMatch(junk);
    });
  }

  it('reads boilerplate from class/id words, not from words inside other words or negated ones', () => {
    const el = (cls: string) => ({ getAttribute: (n: string) => (n === 'class' ? cls : null) }) as unknown as Element;
    expect(hasBoilerplateName(el('c-share-bar'))).toBe(true);
    expect(hasBoilerplateName(el('relatedStories'))).toBe(true);
    expect(hasBoilerplateName(el('author-info'))).toBe(true);
    expect(hasBoilerplateName(el('image_hit no_caption'))).toBe(false);
    expect(hasBoilerplateName(el('masthead shadow'))).toBe(false);
    expect(hasBoilerplateName(el('article-body related'))).toBe(false);
  });

  it('drops short lines repeated inside the article and a leading headline copy, not repeated prose', () => {
    const prose = 'Officials met again on Tuesday to discuss the route of the pipeline and how to pay for it.';
    const out = cleanParagraphs(
      [
        'Rail link reopens after repairs',
        prose,
        'Story continues below',
        `${prose} Again.`,
        'Story continues below',
        prose,
      ],
      { titles: ['Rail link reopens after repairs | Valley Courier'] },
    );
    expect(out).toEqual([prose, `${prose} Again.`, prose]);
  });

  it('leaves preformatted paragraphs (code, listings) to the author: no line, pattern, repeat or edge removal', () => {
    const prose = 'The median is less sensitive to outliers than the mean, as the two queries below show on one list.';
    const listing = 'SELECT avg(n) FROM t;\n4.3333\n───────\n2, 3, 5';
    const footer = '© 2002, 2003 Jamie Zawinski';
    expect(cleanParagraphs([prose, listing, listing, footer], { preformatted: new Set([listing, footer]) })).toEqual([
      prose,
      listing,
      listing,
      footer,
    ]);
    // without the marking, the number-only lines and the trailing copyright line are dropped
    expect(cleanParagraphs([prose, listing, footer])).toEqual([prose, 'SELECT avg(n) FROM t;\n───────']);
  });

  it('drops date lines at the edges (timestamps) and keeps them inside the body (a schedule)', () => {
    const lead = 'The audit committee meets three times this year, at the offices of its outside counsel in Midtown.';
    const schedule = 'Tuesday, September 24, 2013 at 2:30 PM\nMonday, November 25, 2013 at 3:00 PM';
    const note = 'To request the toll-free conference call-in number, please call the secretary of the board.';
    expect(cleanParagraphs(['Dec. 16, 2013', lead, schedule, note, 'Updated: Dec. 17, 2013 9:00 AM'])).toEqual([
      lead,
      schedule,
      note,
    ]);
    // a paragraph of date lines at an edge is the page's stamp
    expect(cleanParagraphs(['By Ann Lee\nDec. 16, 2013', lead, note])).toEqual([lead, note]);
  });

  it('keeps a repeated short sentence (a refrain) and a repeated command; drops only repeated label lines', () => {
    const prose = 'Each morning the clerk was asked to copy the letters, and each morning he gave the same answer.';
    const refrain = '"I would prefer not to."';
    const command = '$ hg -R alice config --edit --local';
    const out = cleanParagraphs([prose, refrain, 'Advertisement', prose, refrain, command, 'Advertisement', command]);
    expect(out).toEqual([prose, refrain, prose, refrain, command, command]);
  });

  it('keeps URL lines inside the article (a code listing) but drops a trailing follow-us block', () => {
    const prose = 'The storage server answers each request with a folder listing and the version of every document.';
    const out = cleanParagraphs([
      prose,
      '* https://storage.example.com/bob/public/documents/',
      prose.replace('server', 'service'),
      'Follow us:\nFacebook https://fb.me/courier\nhttps://twitter.com/courier',
    ]);
    expect(out).toEqual([
      prose,
      '* https://storage.example.com/bob/public/documents/',
      prose.replace('server', 'service'),
    ]);
  });
});

describe('boilerplate cleaning: the page’s own body as a cross-check', () => {
  const body = Array.from(
    { length: 6 },
    (_, i) =>
      `Paragraph ${i + 1} of the report describes how the harbour authority rebuilt pier number ${i + 1} after the storm of the winter.`,
  );

  it('drops short paragraphs absent from a complete JSON-LD articleBody', () => {
    const teaser = 'Watch our video of the first ferry leaving the rebuilt harbour this week';
    const out = crossCheck([body[0]!, body[1]!, teaser, ...body.slice(2)], {
      source: 'json-ld',
      text: body.join('\n\n'),
    });
    expect(out).toEqual(body);
  });

  it('leaves the text alone when the reference is cut short (ends mid-sentence or with an ellipsis)', () => {
    const extra = 'Watch our video of the first ferry leaving the rebuilt harbour this week';
    const paragraphs = [...body, extra];
    expect(crossCheck(paragraphs, { source: 'json-ld', text: `${body.join('\n\n')}…` })).toEqual(paragraphs);
    expect(crossCheck(paragraphs, { source: 'itemprop', text: body.join('\n\n').slice(0, -40) })).toEqual(paragraphs);
  });

  it('uses itemprop=articleBody from the page', async () => {
    const html = `<!DOCTYPE html><html><head><title>Harbour</title></head><body><article>
      <div itemprop="articleBody">${body.map((p) => `<p>${p}</p>`).join('')}</div>
      <p>Watch our video of the first ferry leaving the rebuilt harbour this week</p>
      </article></body></html>`;
    const x = await extractPage({ body: html, url: URL_ });
    expect(x.text.split('\n\n')).toEqual(body);
  });
});

describe('no article body on the page', () => {
  it('falls back to the JSON-LD description (the longest page description) and says so', async () => {
    const x = await extractPage({ body: fixture('no-article-body.html'), url: URL_ });
    expect(x.status).toBe('partial');
    expect(x.reason).toBe("no article body found on page; text from the page's JSON-LD description");
    expect(x.text).toBe(
      'Ferries crossed the strait again on Saturday after a week-long strike by port workers ended with a pay deal. Operators expect a full timetable by Monday.',
    );
    expect(x.wordCount).toBe(26);
  });

  it('prefers the feed entry when its text is longer, and says so', async () => {
    const summary =
      'Ferry operators resumed crossings on Saturday. The strike by port workers ended after the union accepted a pay deal worth four per cent over two years, and the first boats left at dawn.';
    const x = await extractPage({ body: fixture('no-article-body.html'), url: URL_ }, { fallback: { summary } });
    expect(x.status).toBe('feed_only');
    expect(x.reason).toBe('no article body found on page; text from the feed entry');
    expect(x.text).toBe(summary);
  });

  it('falls back to og:description when the page has nothing else, and never counts JSON-LD as a script', async () => {
    const html = `<!DOCTYPE html><html><head><title>Video</title>
      <meta property="og:description" content="Ferries crossed the strait again on Saturday after the strike ended.">
      <script type="application/ld+json">{"@type":"VideoObject","name":"Ferries"}</script></head>
      <body><video src="/v.mp4"></video></body></html>`;
    const x = await extractPage({ body: html, url: URL_ });
    expect(x.status).toBe('partial');
    expect(x.reason).toBe("no article body found on page; text from the page's og:description");
    expect(x.text).toBe('Ferries crossed the strait again on Saturday after the strike ended.');
  });

  it('reports no_content with a reason when there is nothing to fall back to', async () => {
    const html =
      '<!DOCTYPE html><html><head><title>Video</title></head><body><video src="/v.mp4"></video></body></html>';
    const x = await extractPage({ body: html, url: URL_ });
    expect(x.status).toBe('no_content');
    expect(x.text).toBe('');
    expect(x.reason).toBe('no article body found on page; no feed text or page description to fall back to');
  });
});

describe('paywalled page with a free part', () => {
  it('keeps the free part, drops the subscription pitch and says paywalled', async () => {
    for (const dom of ['linkedom', 'jsdom'] as const) {
      const x = await extractPage({ body: fixture('paywall-free-part.html'), url: URL_ }, { dom });
      expect(x.status).toBe('paywalled');
      expect(x.paywalled).toBe(true);
      expect(x.reason).toBe(
        'paywall detected: isAccessibleForFree=false (JSON-LD); kept the free part (254 words), the subscriber-only part is not on the page',
      );
      expect(x.text.split('\n\n')).toHaveLength(5);
      expect(x.text).toMatch(/^When the storm of last October/);
      expect(x.text).toMatch(/to sign a single contract\.$/);
      expect(x.text).not.toMatch(/\$|per week|subscri|Log in|Cancel anytime/i);
    }
  });

  it('is full when the subscriber-only part named by hasPart.cssSelector is in the markup', async () => {
    const locked = Array.from(
      { length: 4 },
      () =>
        '<p>The cooperative now plans a second order of hulls, and the regional government has offered to guarantee part of the loan for the boats.</p>',
    ).join('');
    const html = fixture('paywall-free-part.html')
      .toString('utf8')
      .replace(/<div class="module">[\s\S]*?<\/div>/, `<div class="locked-body">${locked}</div>`);
    const x = await extractPage({ body: html, url: URL_ });
    expect(x.status).toBe('full');
    expect(x.paywalled).toBe(true);
    expect(x.text).toContain('second order of hulls');
  });
});

describe('boilerplate cleaning: captions', () => {
  const URL_HARBOUR = 'https://gazette.example.com/news/harbour-wall';
  for (const dom of ['linkedom', 'jsdom'] as const) {
    it(`keeps sentence captions without their credit, drops label, credit-only and gallery captions (${dom})`, async () => {
      const x = await extractPage({ body: fixture('captions-article.html'), url: URL_HARBOUR }, { dom });
      expect(x.status).toBe('full');
      const paragraphs = x.text.split('\n\n');
      expect(paragraphs).toEqual([
        expect.stringMatching(/^Work to repair the harbour wall began/),
        'A crane lowers the first concrete block into the gap in the breakwater on Wednesday.',
        expect.stringMatching(/^The contractor said/),
        expect.stringMatching(/^Fishermen have moored/),
        'The harbour master shows the mayor the damaged section of the wall.',
        expect.stringMatching(/^The harbour master said the repair/),
        expect.stringMatching(/^Boats are expected to return/),
      ]);
      // screen-reader labels, the copyright line, a label caption, a credit-only caption and the gallery
      for (const junk of [/Image (caption|copyright)/, /Gazette Pictures/, /fleet at anchor/, /Credit/, /Waves break/])
        expect(x.text).not.toMatch(junk);
    });
  }

  it('strips photo credits from the end of a caption and nothing else', () => {
    expect(stripCredit('A crane lowers a block. Photo: Gazette Pictures/R. Penrose')).toBe('A crane lowers a block.');
    expect(stripCredit('The likely source was salt.CreditCreditChang W. Lee/The New York Times')).toBe(
      'The likely source was salt.',
    );
    expect(stripCredit('Netanyahu at the Western Wall on March 18. (Thomas Coex/AFP/Getty Images)')).toBe(
      'Netanyahu at the Western Wall on March 18.',
    );
    expect(stripCredit('Police take up positions. Photo by Mario Tama/Getty Images')).toBe('Police take up positions.');
    expect(stripCredit('Searchers scan the sea on December 30, 2014. REUTERS/Edgar Su')).toBe(
      'Searchers scan the sea on December 30, 2014.',
    );
    expect(stripCredit('Credit: NASA')).toBe('');
    // a sentence that merely mentions credit, or ends in a lower-case parenthesis, keeps its words
    expect(stripCredit('Shoppers pay by credit card at a market stall (pictured).')).toBe(
      'Shoppers pay by credit card at a market stall (pictured).',
    );
  });
});

describe('boilerplate cleaning: link-dense blocks', () => {
  const cleaned = (html: string) => {
    const { document } = parseHTML(`<!DOCTYPE html><html><body><article>${html}</article></body></html>`);
    const article = document.querySelector('article') as unknown as Element;
    removeBoilerplateBlocks(article);
    return domToParagraphs(article);
  };
  const prose = (n: number) =>
    `<p>Paragraph ${n} of the weekly report describes what the team changed in the browser this week and why it matters to users.</p>`;

  it('keeps a list of links nested under an item of prose, drops a standalone one and a table of contents', () => {
    const out = cleaned(
      `${prose(1)}<ul><li>The picture-in-picture work continues. In progress:<ul>` +
        '<li><a href="https://bugs.example.org/1">Bug 1 – Fullscreen window flickers</a></li>' +
        '<li><a href="https://bugs.example.org/2">Bug 2 – Add usage telemetry</a></li></ul></li></ul>' +
        `${prose(2)}<ul><li><a href="#a">1 History</a><ul><li><a href="#b">1.1 Early years</a></li>` +
        '<li><a href="#c">1.2 Later years</a></li></ul></li></ul>' +
        '<ul><li><a href="/x">Five walks along the river</a></li><li><a href="/y">The history of the line</a></li></ul>' +
        prose(3),
    );
    expect(out).toContain('Bug 1 – Fullscreen window flickers');
    expect(out).toContain('Bug 2 – Add usage telemetry');
    expect(out.join('\n')).not.toMatch(/Early years|History|Five walks/);
  });

  it('measures the size of a link block in characters, so a Thai "related stories" block is small too', () => {
    const thai =
      'ผู้สื่อข่าวได้รับแจ้งว่าผลการตรวจสอบดีเอ็นเอยืนยันตัวตนของผู้เสียชีวิตทั้งสองรายแล้วและญาติได้เดินทางไปรับศพที่โรงพยาบาลในจังหวัดนครพนมเมื่อวันจันทร์ที่ผ่านมา';
    const out = cleaned(
      `${`<p>${thai}</p>`.repeat(5)}<p><strong>เรื่องที่เกี่ยวข้อง</strong><br>` +
        '<a href="/journal/1">ลืออุ้ม อ.สุรชัย ผู้ลี้ภัยหายจากที่พัก 12 วันแล้ว</a><br>' +
        '<a href="/journal/2">ตร.เร่งหาเบาะแสคดีฆ่ายัดเสาถ่วงน้ำโขง เมียไม่เชื่อเป็นสุรชัย</a></p>',
    );
    expect(out).toEqual([thai, thai, thai, thai, thai]);
  });

  it('keeps a linked paragraph in a numbered run of paragraphs, drops a lone "Read more" link', () => {
    const out = cleaned(
      '<p>11. <strong>The first bad idea.</strong> It was announced in spring and withdrawn by the summer.</p>' +
        '<p>12. <strong>The second bad idea</strong>, which nobody asked for and nobody used.</p>' +
        '<p>13. <a href="https://other.example.net/story"><strong>The media circus around the trial</strong>.</a></p>' +
        `${prose(1)}<p><a href="/related">Read more: the ten best ideas of the year</a></p>${prose(2)}`,
    );
    expect(out).toContain('13. The media circus around the trial.');
    expect(out.join('\n')).not.toMatch(/Read more/);
  });
});
