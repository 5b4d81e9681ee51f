import { parseHTML } from 'linkedom';
import { domDepth, estimateNestingDepth, parseDocument } from '../../shared/extract/dom.ts';
import { describe, expect, it } from 'vitest';
import { cleanTitle, countWords, toIsoUtc } from '../../shared/extract/index.ts';
import {
  dedupeParagraphs,
  domToParagraphs,
  dropBoilerplateParagraphs,
  isBoilerplateParagraph,
  isDateLine,
  textToParagraphs,
} from '../../shared/extract/text.ts';

const body = (html: string) =>
  (parseHTML(`<!DOCTYPE html><html><body>${html}</body></html>`) as unknown as { document: { body: Node } }).document
    .body;

describe('domToParagraphs', () => {
  it('makes one paragraph per block, collapses whitespace, keeps <br> and <pre> line breaks (not indentation)', () => {
    const p = domToParagraphs(
      body('<div>One\n  <b>two</b></div><p>Three<br>four</p><pre>a\n  b</pre><ul><li>x</li><li>y</li></ul>'),
    );
    expect(p).toEqual(['One two', 'Three\nfour', 'a\nb', 'x', 'y']);
  });

  it('reports the paragraphs that came from <pre>', () => {
    const pre = new Set<string>();
    const p = domToParagraphs(body('<p>Run the query:</p><pre><code>SELECT 1;\n 4.33</code></pre><p>Done.</p>'), pre);
    expect(p).toEqual(['Run the query:', 'SELECT 1;\n4.33', 'Done.']);
    expect([...pre]).toEqual(['SELECT 1;\n4.33']);
  });

  it('keeps the break of an empty <p> that linkedom leaves nested in a paragraph (no glued words)', async () => {
    const html = '<html><body><p>The range<span><p></span>The next sentence.</p><div><p>Other</p></div></body></html>';
    const { document } = await parseDocument('linkedom', html, 'https://example.org/');
    expect(domToParagraphs(document.body)).toEqual(['The range\nThe next sentence.', 'Other']);
  });

  it('skips scripts, styles, forms and hidden elements', () => {
    const p = domToParagraphs(
      body(
        '<p>Keep</p><script>var x</script><style>p{}</style><p hidden>h</p><p style="display: none">n</p><button>Share</button>',
      ),
    );
    expect(p).toEqual(['Keep']);
  });

  it('handles very deep trees without overflowing the stack', () => {
    const deep = `${'<div>'.repeat(20_000)}deep${'</div>'.repeat(20_000)}`;
    expect(domToParagraphs(body(deep))).toEqual(['deep']);
  });
});

describe('boilerplate paragraphs', () => {
  it.each([
    'Read more: How the energy map of Asia is changing',
    'Sign up for our daily newsletter to get the latest updates in your inbox.',
    'Share this article',
    'Photo: Reuters',
    'Photo by Mario Tama/Getty Images',
    '© 2026 Example News. All rights reserved.',
    'Subscribe now for unlimited digital access for just $1 a week.',
    'By Paul Ausick',
    'Tags: Russia, China',
  ])('drops %j', (p) => {
    expect(isBoilerplateParagraph(p)).toBe(true);
  });

  it.each([
    'By the time the talks ended, both delegations had left Geneva.',
    'He said the privacy policy of the app had changed twice this year.',
    'Read the full statement, officials said, before judging the deal: it runs to forty pages and covers energy, trade and finance in detail, with annexes on each.',
    'Related companies in the energy sector rose sharply on Tuesday after the announcement of the deal between the two countries.',
  ])('keeps %j', (p) => {
    expect(isBoilerplateParagraph(p)).toBe(false);
  });

  it('tells date-only lines apart (the cleaning drops them at the edges only)', () => {
    for (const p of ['Dec. 29, 2014, 5:04 PM', 'Tuesday, April 22, 2014 at 1:00 PM', 'Updated: 12 May 2026 09:14'])
      expect([p, isDateLine(p), isBoilerplateParagraph(p)]).toEqual([p, true, false]);
    expect(isDateLine('The meeting on Tuesday, April 22, 2014 at 1:00 PM was cancelled.')).toBe(false);
  });

  it('may drop everything when everything is boilerplate', () => {
    expect(dropBoilerplateParagraphs(['Share', 'Advertisement'])).toEqual([]);
  });

  it('removes a repeated copy of the article but keeps a single repeated paragraph', () => {
    const a = 'A'.repeat(50);
    const b = 'B'.repeat(50);
    const c = 'C'.repeat(50);
    expect(dedupeParagraphs([a, b, c, a, b, c])).toEqual([a, b, c]);
    expect(dedupeParagraphs([a, a, a])).toEqual([a, a, a]);
    expect(dedupeParagraphs([a, b, a])).toEqual([a, b, a]);
  });
});

describe('nesting depth guards', () => {
  it('measures DOM depth and stops past the limit', () => {
    expect(domDepth(body('<div><div><p>x</p></div></div>'), 100)).toBe(4);
    expect(domDepth(body('<div>'.repeat(50) + '</div>'.repeat(50)), 10)).toBe(11);
  });

  it('estimates nesting from raw HTML, ignoring void, optional-end and self-closing tags and script bodies', () => {
    expect(estimateNestingDepth('<div><span><b>x</b></span></div>', 100)).toBe(3);
    expect(estimateNestingDepth(`<p>a<p>b<p>c<br><img src=x><hr/><div/>${'<li>x'.repeat(500)}`, 100)).toBe(0);
    expect(estimateNestingDepth(`<script>${'<div>'.repeat(500)}</script><div></div>`, 100)).toBe(1);
    expect(estimateNestingDepth('<div>'.repeat(500), 100)).toBe(101);
  });
});

describe('helpers', () => {
  it('cleanTitle removes site-name suffixes after |, – and —, not hyphens inside short titles', () => {
    expect(cleanTitle('Talks stall in Geneva | Example News')).toBe('Talks stall in Geneva');
    expect(cleanTitle('Talks stall in Geneva – Example News')).toBe('Talks stall in Geneva');
    expect(cleanTitle('Talks stall in Geneva — Example News')).toBe('Talks stall in Geneva');
    expect(cleanTitle('Ceasefire - what next')).toBe('Ceasefire - what next');
    expect(cleanTitle('Geneva | Example News')).toBe('Geneva | Example News');
    expect(cleanTitle('Geneva | Example News', 'Example News')).toBe('Geneva');
    expect(cleanTitle('Talks stall in Geneva -- Example.net')).toBe('Talks stall in Geneva');
    expect(cleanTitle('Madrid decides on the appeal today » Local » Noticias')).toBe(
      'Madrid decides on the appeal today',
    );
  });

  it('toIsoUtc normalises to ISO-8601 UTC and treats zone-less times as UTC', () => {
    expect(toIsoUtc('2015-07-24T05:36:09+01:00')).toBe('2015-07-24T04:36:09.000Z');
    expect(toIsoUtc('2015-07-24T05:36:09+0100')).toBe('2015-07-24T04:36:09.000Z');
    expect(toIsoUtc('2015-07-24 05:36')).toBe('2015-07-24T05:36:00.000Z');
    expect(toIsoUtc('Fri, 24 Jul 2015 05:36:09 GMT')).toBe('2015-07-24T05:36:09.000Z');
    expect(toIsoUtc('yesterday')).toBeNull();
    expect(toIsoUtc(42)).toBeNull();
  });

  it('countWords counts CJK characters as words', () => {
    expect(countWords('one two three')).toBe(3);
    expect(countWords('人工智能')).toBe(4);
    expect(countWords('— , .')).toBe(0);
  });

  it('textToParagraphs splits on blank lines, else on newlines', () => {
    expect(textToParagraphs('a\n\n b  c \n\n\n d')).toEqual(['a', 'b c', 'd']);
    expect(textToParagraphs('a\nb')).toEqual(['a', 'b']);
  });
});
