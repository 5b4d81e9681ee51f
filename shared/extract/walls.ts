/// <reference lib="dom" />
import { countWords } from './text.ts';
import type { JsonLdArticle } from './metadata.ts';

/** Consent-platform vocabulary (IAB TCF banners, CMPs such as OneTrust, Didomi, Quantcast, Sourcepoint). */
const CONSENT_TERMS =
  /\b(cookies?|consent|accept all|reject all|allow all|accept cookies|manage (your )?(preferences|options|settings|choices|cookies)|cookie (policy|settings|preferences)|privacy (settings|centre|center|preferences|choices)|legitimate interests?|personali[sz]ed (ads|advertising|content)|our partners|vendors|tracking technolog(y|ies)|gdpr|store and\/or access information|opt[ -]out|do not sell)\b/gi;

/** Result of {@link detectConsentWall}. */
export interface ConsentVerdict {
  wall: boolean;
  /** Consent-vocabulary hits in the text examined. */
  hits: number;
}

/**
 * Decides whether cookie-consent text has taken the place of the article: the text is
 * short (< 400 words) and dense in consent vocabulary (≥ 3 hits of ≥ 2 distinct terms, and ≥ 1 hit per 40
 * words), or the page title is a known consent interstitial ("Before you continue", "Privacy settings", …).
 *
 * @param text the text that would be stored (paragraphs joined)
 * @param title the page title, when known
 */
export function detectConsentWall(text: string, title?: string | null): ConsentVerdict {
  const matches = text.match(CONSENT_TERMS) ?? [];
  const distinct = new Set(matches.map((m) => m.toLowerCase().replace(/s$/, '')));
  const words = countWords(text);
  const dense = matches.length >= 3 && distinct.size >= 2 && words < 400 && matches.length * 40 >= words;
  const interstitial =
    !!title &&
    /^(before you continue|privacy (settings|preferences|centre|center)|cookie (consent|settings|policy)|we value your privacy|your privacy choices)\b/i.test(
      title.trim(),
    ) &&
    words < 400;
  return { wall: dense || (interstitial && matches.length >= 1), hits: matches.length };
}

/** Class/id names paywall vendors and publishers use for the wall or the hidden remainder of the article. */
const PAYWALL_ATTR =
  /(^|[\s_-])(paywall|pay-wall|piano-|tp-modal|tp-container|meter-?wall|metered-?content|subscriber-only|subscribers-only|premium-(content|article|wall)|regwall|reg-wall|article-locked|locked-content|fade-?out-?paywall)([\s_-]|$)/i;
const PAYWALL_TEXT =
  /\b(subscribe (now|today)? ?to (continue|keep) reading|this (article|story|content) is (only )?(available|reserved|exclusive) (to|for) (subscribers|members)|to continue reading,? (please )?(subscribe|log ?in|sign in)|already a subscriber\??|become a (subscriber|member) to read|subscribers? only|unlock (this|the full) (article|story))\b/i;

/** Result of {@link detectPaywall}. */
export interface PaywallVerdict {
  /** Paywall markup or metadata present (the page may still carry the full text, e.g. metered sites). */
  paywalled: boolean;
  /** What was seen, for `Extraction.reason`. */
  signal: string | null;
}

/**
 * Detects paywall markup: schema.org `isAccessibleForFree: false` in JSON-LD (Google's
 * "subscription and paywalled content" structured data), a `<meta>` of the same name, paywall class/id names, or
 * a subscription pitch in the text. Whether the page text is only a teaser is decided by the caller (word count).
 *
 * @param html the decoded page (class/id attribute values are scanned)
 * @param jsonLd the page's JSON-LD article, if any
 * @param meta `<meta>` values keyed by lower-cased name/property/itemprop
 */
export function detectPaywall(html: string, jsonLd: JsonLdArticle | null, meta: Map<string, string>): PaywallVerdict {
  if (jsonLd?.isAccessibleForFree === false) return { paywalled: true, signal: 'isAccessibleForFree=false (JSON-LD)' };
  const metaFree = meta.get('isaccessibleforfree');
  if (metaFree && /^(false|no)$/i.test(metaFree.trim()))
    return { paywalled: true, signal: 'isAccessibleForFree=false (meta)' };
  // One regex pass over the class/id attribute values of the markup (much cheaper than DOM selector queries).
  const attr = /\s(?:class|id)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
  for (let m = attr.exec(html); m; m = attr.exec(html)) {
    const names = m[1] ?? m[2] ?? '';
    if (PAYWALL_ATTR.test(names))
      return { paywalled: true, signal: `paywall markup (${names.trim().split(/\s+/)[0]})` };
  }
  return { paywalled: false, signal: null };
}

/** True when a paragraph is a subscription pitch typical of a paywall ("Subscribe to continue reading"). */
export function isPaywallPitch(text: string): boolean {
  return text.length < 400 && PAYWALL_TEXT.test(text);
}

/** Result of {@link detectAppShell}. */
export interface ShellVerdict {
  shell: boolean;
  signal: string | null;
}

/** DOM facts for {@link detectAppShell}, gathered before Readability mutates the page. */
export interface ShellSignals {
  /** Number of `<script>` elements. */
  scripts: number;
  /** Text of each `<noscript>` element. */
  noscripts: string[];
  /** An SPA mount point exists (`#root`, `#app`, `#__next`, `#__nuxt`, `[data-reactroot]`, `app-root`). */
  mount: boolean;
}

/**
 * Detects a script-only app shell: the page's visible text is under 60 words and a
 * `<noscript>` asks for JavaScript, or it is under 30 words with an SPA mount point or any script.
 *
 * @param signals DOM facts gathered before Readability ran
 * @param visibleText the page's visible text (scripts/styles removed)
 */
export function detectAppShell(signals: ShellSignals, visibleText: string): ShellVerdict {
  const words = countWords(visibleText);
  if (words >= 60) return { shell: false, signal: null };
  const noscript = signals.noscripts.some((t) =>
    /\b(enable|turn on|requires?)\b.{0,40}\bjavascript\b|\bjavascript\b.{0,40}\b(enable|required|disabled)\b/i.test(t),
  );
  if (noscript) return { shell: true, signal: 'script-only app shell (noscript asks for JavaScript)' };
  if (signals.mount && words < 30) return { shell: true, signal: 'script-only app shell (empty mount point)' };
  if (signals.scripts > 0 && words < 30) return { shell: true, signal: 'script-only app shell' };
  return { shell: false, signal: null };
}
