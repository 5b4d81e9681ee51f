/*
 * The only way the dashboard builds DOM: elements from tag names, attributes set one by one, and text as text nodes.
 * No HTML string is ever parsed (the page's CSP requires Trusted Types with no policy, so `innerHTML = string` would
 * throw anyway): every string from a feed or a page is inert text, whatever it contains.
 */

/** What may appear as a child: nodes, text (strings and numbers), nothing (null/undefined/false), or lists of these. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Attributes: strings/numbers set as attributes, `true` as an empty attribute, functions as event listeners (`onclick`). */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

function apply(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      if (!name.startsWith('on')) throw new Error(`dom: a function for attribute ${name}`);
      el.addEventListener(name.slice(2), value);
      continue;
    }
    // Inline handlers and inline styles are never set from strings (the CSP forbids them too).
    if (name.startsWith('on') || name === 'style') throw new Error(`dom: attribute ${name} is not allowed`);
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (typeof c === 'string' || typeof c === 'number') el.appendChild(document.createTextNode(String(c)));
    else el.appendChild(c);
  }
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/**
 * A URL from a feed or page as a link target: only absolute http(s) URLs pass (a `javascript:` or `data:` URL from a
 * hostile feed never becomes a link).
 * @returns the normalised URL, or null
 */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A link to an outside source (opens in a new tab, no referrer, no opener); plain text when the URL is not http(s). */
export function sourceLink(url: string, label?: string): HTMLElement {
  const href = safeUrl(url);
  const text = label ?? url;
  return href
    ? h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'ext' }, text)
    : h('span', null, text);
}
