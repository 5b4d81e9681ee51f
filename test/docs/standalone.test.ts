import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The repository explains itself: code, comments and docs cite specs (RFC sections, AWS docs) but never a tracker
 * entry ("issue 8 §6", "feed issue §4", "#123") that a reader of the repository cannot open.
 */
const TRACKER_REF =
  /\b(?:[a-z]+ )?issues? (?:#?\d+|§\s?\d+)|\((?:feed|extraction|topics|alerts?|store|api|stories|reliability) issue\b|\bissue #\d+/i;

/** Tracked text files, except labelled data and third-party-style fixtures whose prose may say anything. */
function trackedSources(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\0')
    .filter(Boolean)
    .filter((f) => !f.startsWith('test/fixtures/') && f !== 'package-lock.json' && f !== 'test/docs/standalone.test.ts')
    .filter((f) => /\.(ts|mjs|js|json|ya?ml|md|sh)$/.test(f) || f.startsWith('.ci/'));
}

describe('the repository stands alone', () => {
  it('the pattern finds the references it is meant to find', () => {
    for (const ref of ['(issue 8 §6)', 'see feed issue §4', 'issue #12', 'issues 3']) {
      expect(TRACKER_REF.test(ref), ref).toBe(true);
    }
    for (const ok of ['RFC 9110 §10.2.3', 'zod issue path', 'err.issues[0]', 'an issue between Beijing and']) {
      expect(TRACKER_REF.test(ok), ok).toBe(false);
    }
  });

  it('names no tracker issue in code, comments or docs', () => {
    const hits: string[] = [];
    for (const file of trackedSources()) {
      const lines = readFileSync(`${ROOT}/${file}`, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (TRACKER_REF.test(line)) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(hits).toEqual([]);
  });
});
