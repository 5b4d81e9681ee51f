import { StoreError } from '../errors.ts';
import { assignStory, resolveStory, type Assignment } from '../stories/assign.ts';
import { describeChanges, diffVersions } from '../stories/changes.ts';
import { fingerprintDoc } from '../stories/fingerprint.ts';
import { boundedMemberIds, type StoredStorySummary } from '../store/stories.ts';
import type { StoredItem, StoryChanges, StoryMember, StoryVersion, TopicMatch } from '../types.ts';
import type { PipelineContext } from './context.ts';

/*
 * The story step of processing an article (between classification and alerting): assign the article to the
 * story of an earlier copy or version (shared/stories, through the story index in the table), then record it in
 * the story's lineage and, when its text is a new version, in the story's versions with a sentence diff.
 */

/** A document as the story step reads it. Times ISO-8601 UTC. */
export interface StoryInput {
  itemId: string;
  url: string;
  outlet: string;
  title: string;
  text: string;
  publishedAt: string;
}

/**
 * Assigns an article to its story (or starts one). CPU: fingerprinting (~1–2 ms per 800 words); I/O: the story
 * index's bounded reads and writes (see `assignStory`).
 * @throws StoreError when the table fails (the queue retries the article; assignment is idempotent)
 */
export async function assignArticle(ctx: PipelineContext, doc: StoryInput): Promise<Assignment> {
  const fp = fingerprintDoc({
    id: doc.itemId,
    url: doc.url,
    outlet: doc.outlet,
    title: doc.title,
    text: doc.text,
    publishedAt: doc.publishedAt,
  });
  return assignStory(ctx.store.storyIndex, fp, {
    now: ctx.now().getTime(),
    windowDays: ctx.config.stories.windowDays,
  });
}

/** What `recordStory` did: the story's current id, and the version this article made, if any. */
export interface StoryOutcome {
  storyId: string;
  /** Set when the article is a new text of the story (same URL re-fetched with new content, or a wire update). */
  version: StoryVersion | null;
  /** The summary after this article. */
  summary: StoredStorySummary;
}

const MAX_DIFF_SENTENCES = 20;
const MAX_SENTENCE_CHARS = 400;
const clip = (s: string) => (s.length > MAX_SENTENCE_CHARS ? `${s.slice(0, MAX_SENTENCE_CHARS - 1)}…` : s);

/** The public shape of an outlet's changes. */
function changesOf(original: StoredItem, item: StoredItem, outlet: string): StoryChanges & { similarity: number } {
  const c = describeChanges(
    { title: original.title, text: original.text, outlet: original.siteName ?? undefined },
    { title: item.title, text: item.text, outlet },
  );
  return {
    headline: { changed: c.headline.changed, to: c.headline.to },
    paragraphsDropped: { count: c.dropped.count, fromBottom: c.dropped.fromBottom },
    paragraphsAdded: { count: c.added.count, paragraphs: c.added.paragraphs.slice(0, 10) },
    paragraphsEdited: c.edited,
    similarity: Math.round(c.similarity * 1000) / 1000,
  };
}

/** Union of topics by id, keeping for each the match that scored highest (with its evidence, ≤ 3 sentences). */
function mergeTopics(a: TopicMatch[], b: TopicMatch[]): TopicMatch[] {
  const byId = new Map<string, TopicMatch>();
  for (const t of [...a, ...b]) {
    const prev = byId.get(t.id);
    if (!prev || t.score > prev.score) byId.set(t.id, { ...t, evidence: t.evidence.slice(0, 3) });
  }
  return [...byId.values()].sort((x, y) => y.score - x.score || x.id.localeCompare(y.id));
}

/**
 * Records a stored article in its story: resolves the story through merge redirects, moves the members of stories
 * merged by this assignment, writes the lineage row (with what the outlet changed against the original), a
 * version when the text is new (diff against the story's latest text; verdict material or cosmetic), and the
 * summary (optimistic, retried). Idempotent for a replayed article (same lineage row; no second version). When the
 * story turns out to have been merged into another meanwhile (a concurrent twin), the article is recorded again in
 * the surviving story and the merged one folded into it, so no summary or lineage row is left behind on it.
 * @param previous the item's previous content when this save changed it (same URL, new text), else null
 * @throws StoreError when the table fails
 */
export async function recordStory(
  ctx: PipelineContext,
  args: { assignment: Assignment; item: StoredItem; previous: StoredItem | null; feedId: string; outlet: string },
): Promise<StoryOutcome> {
  const { assignment, item, previous, feedId, outlet } = args;
  const stories = ctx.store.stories;
  const storyId = await resolveStory(ctx.store.storyIndex, assignment.storyId);
  const absorbed: string[] = [];
  for (const merged of assignment.merged) absorbed.push(...(await absorb(ctx, merged, storyId)));
  const now = ctx.now().toISOString();

  for (let attempt = 0; attempt < 8; attempt++) {
    const got = await stories.getSummary(storyId);
    const prev = got?.summary ?? null;
    const isMember = prev?.memberIds.includes(item.id) ?? false;
    const originalId = prev?.original.itemId ?? item.id;
    const original = originalId === item.id ? item : await ctx.store.getItem(originalId);

    // A version: this URL's content changed, or a same-source update joined under a new URL.
    let version: StoryVersion | null = null;
    const against =
      previous ?? (assignment.role === 'version' && !isMember && prev ? await latestText(ctx, prev) : null);
    if (against && prev) {
      const d = diffVersions(
        { title: against.title, text: against.text },
        { title: item.title, text: item.text },
        { topics: (doc) => ctx.topics.classify(doc).map((t) => t.id) },
      );
      version = {
        version: prev.version + 1,
        itemId: item.id,
        url: item.url,
        at: now,
        title: item.title,
        verdict: d.verdict,
        reasons: d.reasons.slice(0, 10).map(clip),
        diff: {
          added: d.added.slice(0, MAX_DIFF_SENTENCES).map(clip),
          removed: d.removed.slice(0, MAX_DIFF_SENTENCES).map(clip),
          changed: d.changed.slice(0, MAX_DIFF_SENTENCES).map((c) => ({ from: clip(c.from), to: clip(c.to) })),
        },
      };
    }

    const member: StoryMember = {
      itemId: item.id,
      url: item.url,
      outlet,
      feedId,
      role: originalId === item.id ? 'original' : assignment.role === 'version' ? 'version' : 'copy',
      firstSeenAt: item.firstSeenAt,
      publishedAt: item.publishedAt,
      similarity: 1,
      changes: null,
    };
    if (original && original.id !== item.id) {
      const { similarity, ...changes } = changesOf(original, item, outlet);
      member.similarity = similarity;
      member.changes = changes;
    }

    const next: StoredStorySummary = prev
      ? {
          ...prev,
          title: version ? item.title : prev.title,
          lastActivityAt: now,
          memberIds: boundedMemberIds([...prev.memberIds, ...absorbed, item.id]),
          members: new Set([...prev.memberIds, ...absorbed, item.id]).size,
          version: version ? version.version : prev.version,
          latestItemId: version ? item.id : prev.latestItemId,
          topicMatches: mergeTopics(prev.topicMatches, item.topics),
          topics: [],
          feedIds: [...new Set([...prev.feedIds, feedId])],
        }
      : {
          id: storyId,
          title: item.title,
          original: {
            itemId: item.id,
            url: item.url,
            outlet,
            publishedAt: item.publishedAt,
            agency: assignment.origin.agency,
          },
          firstSeenAt: item.firstSeenAt,
          lastActivityAt: now,
          members: new Set([...absorbed, item.id]).size,
          memberIds: boundedMemberIds([item.id, ...absorbed]),
          version: 1,
          latestItemId: item.id,
          topicMatches: mergeTopics([], item.topics),
          topics: [],
          feedIds: [feedId],
        };
    // The wire-bylined member is the story's original (shared/stories keeps it on the index record).
    if (prev && assignment.original.itemId !== prev.original.itemId && assignment.original.itemId === item.id) {
      next.original = {
        itemId: item.id,
        url: item.url,
        outlet,
        publishedAt: item.publishedAt,
        agency: assignment.original.agency,
      };
    }
    next.topics = next.topicMatches.map((t) => ({ id: t.id, name: t.name, score: t.score }));

    if (version && !(await stories.putVersion(storyId, version))) continue; // another writer took the number
    if (!(await stories.putSummary(next, prev, got ? got.rev : null))) continue;
    await stories.putMember(storyId, member);
    // A concurrent process may have merged this story into its twin after we resolved it, and folded the story
    // in before our writes landed (its absorb read nothing of ours). Checked after writing, so one of the two
    // sees the other: either the merge came after this read and its absorb will find our rows, or we see the
    // redirect here and fold them in ourselves (absorb is idempotent). One strongly consistent read.
    const root = await resolveStory(ctx.store.storyIndex, storyId);
    if (root !== storyId)
      return recordStory(ctx, { ...args, assignment: { ...assignment, storyId: root, merged: [storyId] } });
    return { storyId, version, summary: next };
  }
  throw new StoreError('write_conflict', `story ${storyId} kept changing under concurrent writers; try again`, {
    retryable: true,
  });
}

/** The text of a story's latest version (its item), or null when it expired. */
async function latestText(ctx: PipelineContext, s: StoredStorySummary): Promise<StoredItem | null> {
  return ctx.store.getItem(s.latestItemId);
}

/**
 * Folds a story that the assignment merged into `into` (a race between two copies resolved): its lineage rows and
 * items move to `into`, and its summary disappears from the lists. Idempotent.
 * @returns the item ids that moved
 */
async function absorb(ctx: PipelineContext, from: string, into: string): Promise<string[]> {
  if (from === into) return [];
  const stories = ctx.store.stories;
  const got = await stories.getSummary(from);
  const moved: string[] = [];
  for (const m of await stories.listMembers(from)) {
    await stories.putMember(into, m);
    try {
      await ctx.store.setStoryId(m.itemId, into);
    } catch (err) {
      // An item that expired meanwhile has nothing to move.
      if (!(err instanceof StoreError && err.code === 'not_found')) throw err;
    }
    moved.push(m.itemId);
  }
  if (got) await stories.removeSummary(got.summary);
  return moved;
}
