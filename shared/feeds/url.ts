/**
 * Canonical article URLs: the identity of an item is its canonical URL, so two links that
 * differ only in tracking parameters, fragment, host case or default port must canonicalise to the same string.
 * Parsing follows the WHATWG URL Standard (Node's `URL`).
 */

/** Exact query parameter names removed as tracking noise (compared lower-case). */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'gclsrc',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'yclid',
  'twclid',
  'ttclid',
  'igshid',
  'igsh',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  '__hssc',
  '__hstc',
  '__hsfp',
  'hsctatracking',
  'mkt_tok',
  'oly_anon_id',
  'oly_enc_id',
  'rb_clickid',
  's_cid',
  'vero_conv',
  'vero_id',
  'wickedid',
  '_openstat',
  'ncid',
  'cmpid',
  'soc_src',
  'soc_trk',
  'at_medium',
  'at_campaign',
  'at_custom1',
  'at_custom2',
  'at_custom3',
  'at_custom4',
  'ito',
  'ns_mchannel',
  'ns_source',
  'ns_campaign',
  'ns_linkname',
  'ns_fee',
  'sr_share',
  'xtor',
  'spm',
  'guce_referrer',
  'guce_referrer_sig',
  'guccounter',
]);

/** Name prefixes removed as tracking noise (`utm_source`, `utm_medium`, …; `pk_*`/`mtm_*` Matomo). */
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_', 'piwik_'];

/** True when `name` (a query parameter name) is a known tracking parameter. */
export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.has(n) || TRACKING_PREFIXES.some((p) => n.startsWith(p));
}

/** Hosts whose links wrap the real target (FeedBurner, Google News, Google redirects). */
const WRAPPER_HOSTS = new Set([
  'feedproxy.google.com',
  'feeds.feedburner.com',
  'feeds2.feedburner.com',
  'feedburner.google.com',
  'news.google.com',
  'www.google.com',
  'google.com',
]);

/** Query parameters that carry the wrapped target on wrapper hosts. */
const TARGET_PARAMS = ['url', 'q', 'u', 'target', 'link'];

function looksHttp(s: string): boolean {
  return /^https?:\/\/[^\s/]+/i.test(s);
}

/** Tries to find the real target inside a wrapper link; null when it is not there. */
function unwrap(u: URL): string | null {
  if (!WRAPPER_HOSTS.has(u.hostname)) return null;
  if ((u.hostname === 'google.com' || u.hostname === 'www.google.com') && u.pathname !== '/url') return null;
  for (const name of TARGET_PARAMS) {
    const v = u.searchParams.get(name);
    if (v && looksHttp(v)) return v;
  }
  // FeedBurner sometimes puts the (percent-encoded) target as a path segment: /~r/Feed/~3/id/http%3A%2F%2F…
  const segs = u.pathname.split('/');
  for (let i = 0; i < segs.length; i++) {
    let seg: string;
    try {
      seg = decodeURIComponent(segs[i]!);
    } catch {
      continue;
    }
    if (looksHttp(seg)) return seg;
    if (/^https?:$/i.test(seg) && segs[i + 1] === '') {
      // un-encoded "http://host/path" inside the path
      const rest = segs.slice(i).join('/');
      if (looksHttp(rest)) return rest + u.search;
    }
  }
  // Google News article ids (old format): base64url protobuf whose bytes contain the target URL.
  if (u.hostname === 'news.google.com') {
    const m = /\/articles\/([A-Za-z0-9_-]{16,})/.exec(u.pathname);
    if (m) {
      try {
        const bytes = Buffer.from(m[1]!, 'base64url').toString('latin1');
        const found = /https?:\/\/[\x21-\x7e]+/.exec(bytes);
        if (found) return found[0];
      } catch {
        /* not decodable: keep the wrapper */
      }
    }
  }
  return null;
}

/**
 * Canonical form of an http(s) URL, used as item identity and in `FeedEntry.url`.
 * - resolved against `base` when relative (WHATWG URL parsing; whitespace and control characters trimmed);
 * - scheme and host lower-case (IDN hosts in punycode), default port (80/443) and trailing host dot removed;
 * - fragment removed; tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`, … see
 *   `isTrackingParam`) removed, other parameters kept in their order; an empty `?` removed;
 * - FeedBurner / Google News / Google redirect wrappers unwrapped when the target is inside the link.
 * @param url absolute or relative URL
 * @param base absolute URL to resolve against (feed URL, channel link, xml:base), optional
 * @returns the canonical absolute URL, or null when unparseable or not http/https. Never throws.
 */
export function canonicalizeUrl(url: string, base?: string | null): string | null {
  return canon(url, base ?? null, 0);
}

function canon(url: string, base: string | null, depth: number): string | null {
  if (typeof url !== 'string') return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: WHATWG URL parsing strips C0 controls and DEL; so does this
  const raw = url.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (raw === '') return null;
  let u: URL;
  try {
    u = base ? new URL(raw, base) : new URL(raw);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (!u.hostname) return null;
  if (depth < 3) {
    const inner = unwrap(u);
    if (inner) {
      const c = canon(inner, null, depth + 1);
      if (c) return c;
    }
  }
  u.hash = '';
  if (u.hostname.endsWith('.')) u.hostname = u.hostname.replace(/\.+$/, '');
  {
    const kept: string[] = [];
    for (const part of u.search.slice(1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      let name = eq === -1 ? part : part.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        /* keep raw name */
      }
      if (!isTrackingParam(name)) kept.push(part);
    }
    u.search = kept.length ? `?${kept.join('&')}` : '';
  }
  return u.toString();
}

/**
 * Resolves `href` against `base` (WHATWG URL parsing) to an absolute http(s) URL, without canonicalising — for
 * enclosures and base URLs, which keep their query strings. Null when empty, unparseable or not http(s).
 */
export function absoluteHttpUrl(href: string | undefined | null, base: string | null): string | null {
  if (!href) return null;
  try {
    const u = base ? new URL(href.trim(), base) : new URL(href.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
