import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs hook script (runs under bare node), no declarations
import { decodeSegment, encodeSegment } from '../../infra/scripts/trim-sourcemap.mjs';
import { ROOT } from './helpers/synth.ts';

const SCRIPT = join(ROOT, 'infra/scripts/trim-sourcemap.mjs');

describe('trim-sourcemap.mjs', () => {
  let dir: string;
  let fullMap: string;
  let trimmedMap: string;
  let code: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wirewatch-map-'));
    mkdirSync(join(dir, 'node_modules/dep'), { recursive: true });
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'node_modules/dep/package.json'), '{"name":"dep","main":"index.js"}');
    writeFileSync(
      join(dir, 'node_modules/dep/index.js'),
      'export function depHelper(x) {\n  const doubled = x * 2;\n  return doubled + 1;\n}\nexport const depName = "dep";\n',
    );
    writeFileSync(
      join(dir, 'src/util.ts'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: this is TypeScript source with a template literal
      'export function ownHelper(items: string[]): string {\n  const joined = items.join(", ");\n  return `[${joined}]`;\n}\n',
    );
    writeFileSync(
      join(dir, 'src/app.ts'),
      "import { depHelper, depName } from 'dep';\nimport { ownHelper } from './util.ts';\n\nexport function handler(n: number): string {\n  const value = depHelper(n);\n  return ownHelper([depName, String(value)]);\n}\n",
    );
    await build({
      entryPoints: [join(dir, 'src/app.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      sourcemap: 'external',
      sourcesContent: false,
      outfile: join(dir, 'out/index.mjs'),
      absWorkingDir: dir,
      logLevel: 'silent',
    });
    code = readFileSync(join(dir, 'out/index.mjs'), 'utf8');
    fullMap = readFileSync(join(dir, 'out/index.mjs.map'), 'utf8');
    const res = spawnSync(process.execPath, [SCRIPT, join(dir, 'out/index.mjs.map')], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/-> \d+ bytes/);
    trimmedMap = readFileSync(join(dir, 'out/index.mjs.map'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drops node_modules sources and keeps our own', () => {
    const full = JSON.parse(fullMap) as { sources: string[] };
    const trimmed = JSON.parse(trimmedMap) as { sources: string[]; version: number };
    expect(full.sources.some((s) => s.includes('node_modules/dep'))).toBe(true);
    expect(trimmed.version).toBe(3);
    expect(trimmed.sources.sort()).toEqual(full.sources.filter((s) => !s.includes('node_modules')).sort());
    expect(trimmedMap.length).toBeLessThan(fullMap.length);
  });

  it('maps every generated position of our code exactly as the full map does (checked with node:module SourceMap)', () => {
    const full = new SourceMap(JSON.parse(fullMap));
    const trimmed = new SourceMap(JSON.parse(trimmedMap));
    const lines = code.split('\n');
    let ownChecked = 0;
    let depDropped = 0;
    lines.forEach((line, lineIdx) => {
      for (let col = 0; col < line.length; col++) {
        const a = full.findEntry(lineIdx, col) as {
          originalSource?: string;
          originalLine?: number;
          originalColumn?: number;
          name?: string;
        };
        if (!a.originalSource) continue;
        const b = trimmed.findEntry(lineIdx, col) as typeof a;
        if (a.originalSource.includes('node_modules')) {
          if (!b.originalSource || b.originalSource.includes('node_modules') === false) depDropped++;
          expect(b.originalSource ?? '').not.toContain('node_modules');
        } else {
          expect(b).toEqual(a);
          ownChecked++;
        }
      }
    });
    expect(ownChecked).toBeGreaterThan(20);
    expect(depDropped).toBeGreaterThan(0);
  });

  it('round-trips Base64 VLQ and rejects garbage', () => {
    for (const fields of [[0], [1, -1, 15, -16], [1234567, -98765, 0, 31, 32]]) {
      expect(decodeSegment(encodeSegment(fields))).toEqual(fields);
    }
    expect(encodeSegment([0, 0, 1, -1])).toBe('AACD');
    expect(() => decodeSegment('A!')).toThrow(/invalid/);
    expect(() => decodeSegment('g')).toThrow(/truncated/);
    const res = spawnSync(process.execPath, [SCRIPT, join(ROOT, 'package.json')], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/not a version 3 source map/);
  });
});
