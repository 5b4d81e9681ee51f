/**
 * Feed ingestion: parse feed documents into normalised, keyed entries, canonicalise URLs,
 * and poll feeds politely with conditional GET and persisted health state.
 */
export { parseFeed, FUTURE_TOLERANCE_MS, type ParseFeedOptions } from './parse.ts';
export { canonicalizeUrl, isTrackingParam } from './url.ts';
export { FeedError, type FeedErrorCode } from './errors.ts';
export { assignKeys, hashKey, sha256Hex, type UnkeyedEntry } from './identity.ts';
export { feedLinksFromHtml, sniffDocument, xmlDeclaredEncoding } from './sniff.ts';
export {
  pollFeed,
  initialFeedState,
  backoffDelayMs,
  DEFAULT_POLL_POLICY,
  type FeedStateRepo,
  type PollDeps,
  type PollPolicy,
  type PollResult,
} from './poll.ts';
export { parseOpml, writeOpml, type OpmlFeed, type OpmlSkip, type ParsedOpml } from './opml.ts';
