import { describe, expect, it } from 'vitest';
import { parseDocument } from '../../shared/extract/dom.ts';
import { pageElements } from '../../shared/extract/metadata.ts';

const HTML = `<!DOCTYPE html><html><head><title>First</title><title>Second</title>
<meta name="description" content="d"><meta charset="utf-8">
<link rel="canonical" href="/c"><link rel="stylesheet">
<script type="application/ld+json">{}</script><script>var a</script>
</head><body><div id="app"><time datetime="2026-01-01">Jan</time><time>no attribute</time>
<div itemprop="articleBody">one</div><span itemprop="name articlebody">two</span><p itemprop="articleBodyText">x</p>
<noscript>Enable JavaScript</noscript><template><meta content="hidden"><script></script></template></div></body></html>`;

describe('pageElements: the elements metadata and shell checks read, in one walk', () => {
  for (const dom of ['linkedom', 'jsdom'] as const) {
    it(`gathers what the selector queries would (${dom})`, async () => {
      const { document, close } = await parseDocument(dom, HTML, 'https://example.org/a');
      try {
        const els = pageElements(document);
        const q = (sel: string) => Array.from(document.querySelectorAll(sel));
        expect(els.metas).toEqual(q('meta[content]'));
        expect(els.metas).toHaveLength(1);
        expect(els.scripts).toEqual(q('script'));
        expect(els.scripts).toHaveLength(2);
        expect(els.links).toEqual(q('link[rel][href]'));
        expect(els.times).toEqual(q('time[datetime]'));
        expect(els.noscripts).toEqual(q('noscript'));
        expect(els.itemBodies).toEqual(q('[itemprop~="articleBody"], [itemprop~="articlebody"]'));
        expect(els.itemBodies.map((e) => e.textContent)).toEqual(['one', 'two']);
        expect(els.title?.textContent).toBe('First');
        expect(els.mount).toBe(true);
      } finally {
        close();
      }
    });
  }
});
