/**
 * Edits of wirewatch.yaml made by commands (`wirewatch feeds import`), keeping the file as the operator wrote it:
 * comments, blank lines, key order, quoting and flow/block style stay byte for byte. The yaml Document API
 * (https://eemeli.org/yaml/#documents) locates the `feeds:` sequence and its items (source ranges); new items are
 * spliced in as text in the style of the existing ones, and the result is parsed again to prove it holds exactly
 * the old feeds plus the new ones.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import { ConfigError } from '../errors.ts';
import { canonicalizeUrl } from '../feeds/url.ts';

/** A feed to add: URL and optional display name. */
export interface NewFeed {
  url: string;
  name: string | null;
}

/** A candidate that was not added, and why. */
export interface SkippedFeed extends NewFeed {
  reason: string;
}

/**
 * Splits candidates into feeds to add and feeds already present: the same canonical URL (`canonicalizeUrl`:
 * host case, default port, fragment and tracking parameters do not matter) as a configured feed or as an earlier
 * candidate.
 * @param existing URLs of the configured feeds, in config order
 * @param candidates feeds to add, in order
 */
export function planFeedMerge(
  existing: readonly string[],
  candidates: readonly NewFeed[],
): { add: NewFeed[]; skipped: SkippedFeed[] } {
  const key = (u: string) => canonicalizeUrl(u) ?? u.trim();
  const seen = new Map<string, string>();
  existing.forEach((u, i) => {
    if (!seen.has(key(u))) seen.set(key(u), `already configured (feeds[${i}])`);
  });
  const add: NewFeed[] = [];
  const skipped: SkippedFeed[] = [];
  for (const c of candidates) {
    const k = key(c.url);
    const why = seen.get(k);
    if (why) {
      skipped.push({ ...c, reason: why });
      continue;
    }
    seen.set(k, 'listed twice in the import');
    add.push(c);
  }
  return { add, skipped };
}

/** The YAML text of one feed item `{ name, url }` (name omitted when null), flow or block style. */
function itemText(f: NewFeed, flow: boolean, indent: string): string {
  const obj: Record<string, string> = {};
  if (f.name) obj.name = f.name;
  obj.url = f.url;
  if (flow) {
    const doc = new Document(obj);
    if (isMap(doc.contents)) doc.contents.flow = true;
    return `${indent}- ${doc.toString({ lineWidth: 0 }).trim()}`;
  }
  const body = stringify(obj, { lineWidth: 0 }).trimEnd().split('\n');
  return [`${indent}- ${body[0]}`, ...body.slice(1).map((l) => `${indent}  ${l}`)].join('\n');
}

/** Offset just past the end of the line holding `offset` (after its newline), or the text length. */
function endOfLine(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/**
 * Appends feeds to the `feeds:` list of a wirewatch.yaml text without touching anything else. Where the file has
 * feed items, the new ones follow the last item with its indentation and style (flow `{ … }` or block maps);
 * `feeds: []`, an empty `feeds:` or a file without the key gets a block list.
 * @param text the config file's text (may be empty)
 * @param feeds feeds to add (already de-duplicated, see `planFeedMerge`)
 * @param source file name for messages
 * @returns the new text (identical when `feeds` is empty)
 * @throws ConfigError when the text is not valid YAML, `feeds` is not a list, or the edit would not round-trip
 */
export function appendFeedsToConfigText(text: string, feeds: readonly NewFeed[], source: string): string {
  if (feeds.length === 0) return text;
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(`${source}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); nothing imported`);
  }
  const before = feedUrlsOf(doc, source);
  const contents = doc.contents;
  if (contents !== null && !isMap(contents)) {
    throw new ConfigError(`${source}: the config is not a mapping; nothing imported`);
  }
  const pair = contents?.items.find((p) => isScalar(p.key) && p.key.value === 'feeds');
  const value = pair?.value ?? null;
  let out: string;
  if (isSeq(value) && !value.flow && value.items.length > 0) {
    const last = value.items[value.items.length - 1] as { range?: [number, number, number] };
    const first = value.items[0] as { range?: [number, number, number]; flow?: boolean };
    const start = first.range?.[0] ?? 0;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const dash = text.lastIndexOf('-', start - 1);
    const indent = text.slice(lineStart, dash);
    const flow = isMap(first) && Boolean(first.flow);
    const at = endOfLine(text, Math.max((last.range?.[1] ?? text.length) - 1, 0));
    const lines = feeds.map((f) => itemText(f, flow, indent)).join('\n');
    const sep = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
    out = `${text.slice(0, at)}${sep}${lines}\n${text.slice(at)}`;
  } else if (pair) {
    if (isSeq(value) && value.items.length > 0) {
      throw new ConfigError(
        `${source}: feeds is written as a flow list ([ … ]); write it as a block list (one "- " item a line) to import into it`,
      );
    }
    if (value !== null && !isSeq(value) && !(isScalar(value) && value.value === null)) {
      throw new ConfigError(`${source}: feeds is not a list; nothing imported`);
    }
    // `feeds:`, `feeds: ~` or `feeds: []`: the value is replaced by a block list.
    const keyRange = (pair.key as { range?: [number, number, number] }).range!;
    const colon = text.indexOf(':', keyRange[1]);
    const valueRange = (value as { range?: [number, number, number] } | null)?.range;
    const valueEnd = valueRange && valueRange[1] > valueRange[0] ? valueRange[1] : colon + 1;
    const lines = feeds.map((f) => itemText(f, true, '  ')).join('\n');
    // A comment after the old value stays on the `feeds:` line.
    const lineEnd = endOfLine(text, valueEnd);
    const comment = text.slice(valueEnd, lineEnd).trimEnd();
    out = `${text.slice(0, colon + 1)}${comment}\n${lines}\n${text.slice(lineEnd)}`;
  } else {
    const lines = feeds.map((f) => itemText(f, true, '  ')).join('\n');
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    out = `${text}${sep}${text === '' ? '' : '\n'}feeds:\n${lines}\n`;
  }
  // The edit must parse to the old feeds followed by the new ones, or nothing is written.
  const after = feedUrlsOf(parseDocument(out), source);
  const expected = [...before, ...feeds.map((f) => f.url)];
  if (after.length !== expected.length || after.some((u, i) => u !== expected[i])) {
    throw new ConfigError(`${source}: could not add the feeds without rewriting the file; nothing imported`);
  }
  return out;
}

/** The `url` of each item of `feeds:` in a parsed document (empty when absent). */
function feedUrlsOf(doc: Document, source: string): string[] {
  if (doc.errors.length > 0) throw new ConfigError(`${source}: edited config does not parse; nothing imported`);
  const js = doc.toJS() as { feeds?: unknown } | null;
  const list = js && typeof js === 'object' ? js.feeds : undefined;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ConfigError(`${source}: feeds is not a list; nothing imported`);
  return list.map((f) => String((f as { url?: unknown } | null)?.url ?? ''));
}
