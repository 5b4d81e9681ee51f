import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { compileTopics } from '../../shared/topics/index.ts';
import type { AliasConfig, TopicConfig } from '../../shared/topics/index.ts';

/*
 * The rule language, operator by operator, on small documents: each case has a document the rule must match
 * and one it must not, so an operator that silently matched everything (or nothing) fails.
 */

const aliases: AliasConfig = {
  china: ['China', 'Chinese', 'Beijing', 'Xi Jinping', '=PRC'],
  russia: ['Russia', 'Russian', 'Moscow', 'Vladimir Putin'],
};

function matches(rule: string, doc: { title?: string; text: string }, al: AliasConfig = aliases): boolean {
  const set = compileTopics([{ id: 't', name: 'T', rule }], al);
  return set.classify({ title: doc.title ?? '', text: doc.text }).some((m) => m.id === 't');
}

function ruleError(rule: string, al: AliasConfig = aliases, topics?: TopicConfig[]): ConfigError {
  try {
    compileTopics(topics ?? [{ id: 'my-topic', name: 'T', rule }], al);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`rule ${rule} compiled but should not`);
}

describe('terms and phrases', () => {
  it('matches a bare term case-insensitively and as a whole word', () => {
    expect(matches('pipeline', { text: 'The PIPELINE opened.' })).toBe(true);
    expect(matches('pipe', { text: 'The pipeline opened.' })).toBe(false);
  });

  it('matches a quoted phrase only as consecutive words', () => {
    expect(matches('"Power of Siberia"', { text: 'Gas flows through Power of Siberia now.' })).toBe(true);
    expect(matches('"Power of Siberia"', { text: 'The power of the Siberia line.' })).toBe(false);
  });

  it('expands a trailing wildcard to any ending', () => {
    expect(matches('sanction*', { text: 'New sanctions were announced.' })).toBe(true);
    expect(matches('sanction*', { text: 'The sanctioned bank.' })).toBe(true);
    expect(matches('sanction*', { text: 'No penalties.' })).toBe(false);
  });

  it('matches =TERM with exact case only', () => {
    expect(matches('=US', { text: 'The US said no.' })).toBe(true);
    expect(matches('=US', { text: 'He told us no.' })).toBe(false);
    expect(matches('us', { text: 'He told us no.' })).toBe(true);
  });

  it('reads a dotted acronym as the word without dots', () => {
    expect(matches('=US', { text: 'The U.S. Commerce Department acted.' })).toBe(true);
  });
});

describe('boolean operators', () => {
  const doc = { text: 'Beijing and Moscow signed a gas deal.' };
  it('AND needs both sides', () => {
    expect(matches('gas AND deal', doc)).toBe(true);
    expect(matches('gas AND oil', doc)).toBe(false);
  });
  it('OR needs either side', () => {
    expect(matches('oil OR gas', doc)).toBe(true);
    expect(matches('oil OR coal', doc)).toBe(false);
  });
  it('NOT excludes', () => {
    expect(matches('gas AND NOT oil', doc)).toBe(true);
    expect(matches('gas AND NOT deal', doc)).toBe(false);
  });
  it('AND binds tighter than OR, and parentheses override it', () => {
    // coal OR (gas AND oil) → false; (coal OR gas) AND oil → false; (coal OR gas) AND deal → true
    expect(matches('coal OR gas AND oil', doc)).toBe(false);
    expect(matches('(coal OR gas) AND deal', doc)).toBe(true);
    expect(matches('coal OR gas AND deal', doc)).toBe(true);
    expect(matches('NOT (coal OR oil) AND gas', doc)).toBe(true);
  });
  it('operators are upper case only: lower-case "and" is a term, so two terms in a row are an error', () => {
    const err = ruleError('gas and deal');
    expect(err.message).toMatch(/missing operator/);
  });
});

describe('NEAR/n', () => {
  it('matches within n words, in either order', () => {
    const text = 'Moscow said on Monday that Beijing agreed.';
    expect(matches('NEAR/5(@russia, @china)', { text })).toBe(true);
    expect(matches('NEAR/5(@china, @russia)', { text })).toBe(true);
    expect(matches('NEAR/3(@china, @russia)', { text })).toBe(false); // 4 words between
    expect(matches('NEAR/4(@china, @russia)', { text })).toBe(true);
  });
  it('counts adjacent hyphenated pairs as 0 words apart', () => {
    expect(matches('NEAR/1(@china, @russia)', { text: 'China-Russia trade grew.' })).toBe(true);
    // NEAR/0: adjacent words only, in either order
    expect(matches('NEAR/0(@china, @russia)', { text: 'Russian-Chinese trade grew.' })).toBe(true);
    expect(matches('NEAR/0(@china, @russia)', { text: 'China handles Russia carefully.' })).toBe(false);
  });
  it('does not cross fields', () => {
    expect(matches('NEAR/5(@china, @russia)', { title: 'Beijing', text: 'Moscow replied.' })).toBe(false);
  });
});

describe('SENTENCE', () => {
  it('needs every argument in one sentence', () => {
    expect(matches('SENTENCE(@china, @russia)', { text: 'Beijing welcomed the Russian delegation.' })).toBe(true);
    expect(matches('SENTENCE(@china, @russia)', { text: 'Beijing spoke. The Russian delegation left.' })).toBe(false);
  });
  it('takes any expression as argument, including NOT', () => {
    const text = 'Beijing and Moscow held talks. India, China and Russia attended a summit.';
    expect(matches('SENTENCE(@china, @russia, talks OR summit, NOT India)', { text })).toBe(true);
    expect(matches('SENTENCE(@china, @russia, summit, NOT India)', { text })).toBe(false);
  });
  it('does not join the title and the body into one sentence', () => {
    expect(matches('SENTENCE(@china, @russia)', { title: 'Beijing reacts', text: 'Moscow is silent.' })).toBe(false);
  });
});

describe('field scopes', () => {
  const text = 'First paragraph about trade.\n\nSecond paragraph.\n\nThird paragraph mentions Moscow.';
  it('title: looks at the title only', () => {
    expect(matches('title:(@russia)', { title: 'Moscow responds', text: 'Nothing here.' })).toBe(true);
    expect(matches('title:(@russia)', { title: 'Nothing here', text: 'Moscow responds.' })).toBe(false);
  });
  it('lead: is the first 2 paragraphs of the body', () => {
    expect(matches('lead:trade', { text })).toBe(true);
    expect(matches('lead:(@russia)', { text })).toBe(false);
    expect(matches('body:(@russia)', { text })).toBe(true);
  });
  it('a text without blank lines has one paragraph per line', () => {
    expect(matches('lead:(@russia)', { text: 'One.\nTwo.\nThree: Moscow.' })).toBe(false);
    expect(matches('lead:(@russia)', { text: 'One.\nTwo: Moscow.\nThree.' })).toBe(true);
  });
});

describe('aliases and MIN', () => {
  it('an alias matches any of its terms, phrases and exact-case entries', () => {
    expect(matches('@china', { text: 'Xi Jinping spoke.' })).toBe(true);
    expect(matches('@china', { text: 'The PRC spoke.' })).toBe(true);
    expect(matches('@china', { text: 'The prc spoke.' })).toBe(false);
    expect(matches('@china', { text: 'Xi spoke.' })).toBe(false); // only the phrase "Xi Jinping" is listed
  });
  it('MIN(n, a) counts occurrences', () => {
    expect(matches('MIN(3, @russia)', { text: 'Russia and Moscow; the Russian side.' })).toBe(true);
    expect(matches('MIN(3, @russia)', { text: 'Russia and Moscow.' })).toBe(false);
    expect(matches('MIN(2, gas, oil)', { text: 'gas and oil' })).toBe(true);
  });
});

describe('rule errors name the topic, the 1-based column and the problem', () => {
  it('unknown alias', () => {
    const err = ruleError('SENTENCE(@china, @rusia)');
    expect(err.code).toBe('rule_invalid');
    expect(err.message).toContain('topic "my-topic" rule, column 18');
    expect(err.message).toContain('unknown alias @rusia');
  });
  it('a parenthesis never closed points at the opening one', () => {
    const err = ruleError('gas AND (oil OR coal');
    expect(err.message).toContain('column 9');
    expect(err.message).toMatch(/unbalanced parenthesis/);
  });
  it('a stray closing parenthesis', () => {
    const err = ruleError('gas AND oil)');
    expect(err.message).toContain('column 12');
    expect(err.message).toMatch(/unbalanced parenthesis/);
  });
  it('an empty group', () => {
    const err = ruleError('gas AND ()');
    expect(err.message).toContain('column 9');
    expect(err.message).toMatch(/empty group/);
  });
  it('an empty phrase and an unclosed quote', () => {
    expect(ruleError('gas AND ""').message).toMatch(/column 9: empty phrase/);
    expect(ruleError('"gas deal').message).toMatch(/column 1: unclosed quote/);
  });
  it('a missing operand after an operator', () => {
    expect(ruleError('gas AND').message).toMatch(/column 8: the rule ends where a term was expected/);
    expect(ruleError('gas OR OR oil').message).toMatch(/column 8: expected a term/);
  });
  it('NEAR without a distance or with the wrong number of arguments', () => {
    expect(ruleError('NEAR(gas, oil)').message).toMatch(/column 1: NEAR needs a distance/);
    expect(ruleError('NEAR/3(gas, oil, coal)').message).toMatch(/column 1: NEAR\/3 takes exactly 2 arguments/);
    expect(ruleError('NEAR/3(gas AND oil, coal)').message).toMatch(/column 8: NEAR and MIN arguments/);
  });
  it('SENTENCE with one argument, MIN without a count, unknown field, bad wildcard', () => {
    expect(ruleError('SENTENCE(gas)').message).toMatch(/column 1: SENTENCE needs at least 2 arguments/);
    expect(ruleError('MIN(gas)').message).toMatch(/column 5: MIN needs a count/);
    expect(ruleError('headline:(gas)').message).toMatch(/column 1: unknown field "headline:"/);
    expect(ruleError('ga*').message).toMatch(/wildcard "ga\*" is too broad/);
    expect(ruleError('sa*nction').message).toMatch(/column 3: a wildcard \* is only allowed at the end/);
  });
  it('a rule made only of NOT is refused rather than matching everything', () => {
    expect(ruleError('NOT @china').message).toMatch(/no positive term/);
  });
  it('multi-line rules report line and column', () => {
    expect(ruleError('gas AND\n  @nope').message).toContain('line 2 column 3');
  });
  it('names the signal that is wrong', () => {
    const err = ruleError('', aliases, [
      {
        id: 'x',
        name: 'X',
        rule: 'gas',
        signals: [
          { rule: 'oil', weight: 1 },
          { rule: '(oil', weight: 1 },
        ],
      },
    ]);
    expect(err.message).toContain('topic "x" signals[1], column 1');
  });
  it('names the alias entry that is wrong', () => {
    const err = ruleError('gas', { bad: ['fine', 'no*where'] });
    expect(err.message).toContain('alias "bad" entry 2');
  });
  it('refuses duplicate topic ids', () => {
    const err = ruleError('', aliases, [
      { id: 'x', name: 'X', rule: 'gas' },
      { id: 'x', name: 'Y', rule: 'oil' },
    ]);
    expect(err.message).toContain('duplicate topic id');
  });
});
