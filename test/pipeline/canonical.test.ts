import { describe, expect, it } from 'vitest';
import { chooseCanonicalUrl } from '../../shared/pipeline/stages.ts';
import type { Extraction } from '../../shared/types.ts';

const ex = (url: string, canonicalUrl: string | null): Extraction => ({ url, canonicalUrl }) as Extraction;

describe('chooseCanonicalUrl', () => {
  it("uses the page's declared canonical URL on the same site", () => {
    expect(
      chooseCanonicalUrl(ex('https://news.example/a?utm_source=x', 'https://www.news.example/world/a'), null),
    ).toBe('https://www.news.example/world/a');
  });

  it('ignores a canonical that points at another site or at the home page', () => {
    expect(chooseCanonicalUrl(ex('https://news.example/a', 'https://other.example/a'), null)).toBe(
      'https://news.example/a',
    );
    expect(chooseCanonicalUrl(ex('https://news.example/a', 'https://news.example/'), null)).toBe(
      'https://news.example/a',
    );
  });

  it('strips tracking parameters from the final URL when there is no canonical', () => {
    expect(chooseCanonicalUrl(ex('https://news.example/a?utm_source=rss&id=7', null), null)).toBe(
      'https://news.example/a?id=7',
    );
  });
});
