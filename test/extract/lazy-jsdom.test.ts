import { describe, expect, it } from 'vitest';
import { extractPage, jsdomLoaded } from '../../shared/extract/index.ts';
import { fixture } from './helpers.ts';

// Its own file (own process under the forks pool): module state starts clean.
describe('jsdom is loaded lazily', () => {
  it('is not loaded by the linkedom fast path, and is loaded when the jsdom engine is asked for', async () => {
    const fast = await extractPage({ body: fixture('article.html'), url: 'https://news.example.org/a' });
    expect(fast.extractor.dom).toBe('linkedom');
    expect(jsdomLoaded()).toBe(false);
    const slow = await extractPage(
      { body: fixture('article.html'), url: 'https://news.example.org/a' },
      { dom: 'jsdom' },
    );
    expect(slow.extractor.dom).toBe('jsdom');
    expect(jsdomLoaded()).toBe(true);
  });
});
