import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveConfig } from '../../shared/config/load.ts';
import { compileTopics } from '../../shared/topics/index.ts';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const yamlBlocks = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README', () => {
  it('has exactly the two Quick start set-up commands', () => {
    const quick = README.split('## Quick start')[1]!.split('\n## ')[0]!;
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(quick)![1]!;
    const commands = firstBlock
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
  });

  it.each(yamlBlocks.map((b, i) => [i, b] as const))(
    'config example %i is a valid wirewatch.yaml whose rules compile',
    async (_i, block) => {
      const config = await resolveConfig(parse(block), `README.md yaml block`);
      expect(() => compileTopics(config.topics, config.aliases)).not.toThrow();
    },
  );
});
