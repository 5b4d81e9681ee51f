import { describe, expect, it } from 'vitest';
import {
  bylineNames,
  datelinePlace,
  furnitureKind,
  normaliseText,
  readBody,
  splitParagraphs,
  words,
} from '../../shared/stories/index.ts';
import { DAM, text } from './fixtures.ts';

/*
 * Normalisation and furniture recognition: each kind of furniture line is removed, and body text that
 * merely resembles it (mentions the agency, a newsletter, "contributed", "more") is kept.
 */

describe('normaliseText and words', () => {
  it('reads quotes, dashes, NBSP, zero-width characters, acronyms and numbers the same way', () => {
    const a = words(normaliseText('“China’s\u00a0exports,” he said — up 5% to 5,000 U.S.\u200b tons'));
    const b = words(normaliseText('"Chinas exports," he said - up 5 per cent to 5000 US tons'));
    expect(a).toEqual(b);
    expect(a).toEqual(['chinas', 'exports', 'he', 'said', 'up', '5', 'percent', 'to', '5000', 'us', 'tons']);
  });

  it('folds diacritics and case', () => {
    expect(words('Gatão São Paulo MÜLLER')).toEqual(['gatao', 'sao', 'paulo', 'muller']);
  });

  it('splits paragraphs on blank lines, or lines when there is no blank line', () => {
    expect(splitParagraphs('a\nb\n\n\nc')).toEqual(['a\nb', 'c']);
    expect(splitParagraphs('a\nb\nc')).toEqual(['a', 'b', 'c']);
    expect(splitParagraphs('a\r\n\r\nb')).toEqual(['a', 'b']);
    expect(splitParagraphs('  ')).toEqual([]);
  });
});

describe('furniture lines', () => {
  const removed: Array<[string, string]> = [
    ['byline', 'By JANE DOE and JOHN ROE'],
    ['byline', 'By Jane Doe, Associated Press'],
    ['byline', 'By Li Wen | Reuters'],
    ['byline', 'The Associated Press'],
    ['byline', 'Reuters'],
    ['byline', 'From staff and wire reports'],
    ['copyright', 'Copyright 2026 The Associated Press. All rights reserved.'],
    ['copyright', '© 2026 Reuters. All rights reserved.'],
    ['copyright', 'Our Standards: The Thomson Reuters Trust Principles.'],
    ['copyright', 'This material may not be published, broadcast, rewritten or redistributed without permission.'],
    ['credit', 'Reporting by Li Wen in Beijing; Additional reporting by Anna Petrova; Editing by Kim Coghill'],
    ['credit', '(Writing by Tom Hollis; Editing by Alison Williams)'],
    ['contributor', 'Associated Press writers Jane Doe in Lisbon and John Roe in Madrid contributed to this report.'],
    ['contributor', 'Maria Gomes contributed reporting from Porto.'],
    ['coverage', "Follow AP's coverage of climate and the environment at https://apnews.com/hub/climate"],
    [
      'coverage',
      'The Associated Press receives support from several private foundations to enhance its coverage. The AP is solely responsible for all content.',
    ],
    ['separator', '___'],
    ['separator', '* * *'],
    ['related', 'RELATED: Floods close roads across the north'],
    ['related', 'Read more: What we know about the dam'],
    ['related', 'Related coverage'],
    ['advert', 'ADVERTISEMENT'],
    ['advert', 'Story continues below advertisement'],
    ['newsletter', 'Sign up for our morning newsletter to get the top stories delivered to your inbox.'],
    ['newsletter', 'Never miss a story: download our app and turn on breaking news alerts.'],
    ['social', 'Follow the Daily Courier on Facebook for more updates.'],
    ['share', 'Share Tweet Email'],
    ['editor-note', "Editor's note: This story has been edited for length."],
    ['editor-note', 'This story has been updated to include comments from the prime minister.'],
    ['developing', 'This is a developing story. Check back for updates.'],
    ['origin-note', 'This article originally appeared on AP News.'],
    ['caption', 'FILE - Rescue workers near Amarante, Portugal, Nov. 3, 2026. (AP Photo/Ana Brito, File)'],
    ['timestamp', 'Updated 10:32 a.m. UTC, Nov 3, 2026'],
    ['url', 'https://news.example/world/dam'],
  ];
  it.each(removed)('removes a %s line: %s', (kind, line) => {
    expect(furnitureKind(normaliseText(line))).toBe(kind);
  });

  const kept = [
    'Putin told The Associated Press in an interview that talks would continue.',
    'By the end of the week, the talks had stalled and both sides blamed each other.',
    'Reuters reported last month that the company was in talks to sell the unit.',
    'The newsletter, which has 10,000 subscribers, first reported the deal on Monday.',
    'Heavy rain and poor maintenance contributed to the collapse, engineers said.',
    'More than 40 people were evacuated from the village overnight.',
    'Subscribers to the service complained that prices had doubled since January.',
    'Follow-up inspections found cracks in two other dams, the ministry said.',
    'Copyright disputes between the two publishers have dragged on for years.',
    'Updated rules will require inspections every five years, officials said.',
  ];
  it.each(kept)('keeps body text: %s', (line) => {
    expect(furnitureKind(normaliseText(line))).toBeNull();
    expect(readBody('', `${DAM[0]}\n\n${line}`).paragraphs).toEqual([DAM[0], line]);
  });
});

describe('readBody', () => {
  it('strips an AP dateline, byline and copyright and reads the origin as AP', () => {
    const t = `By JANE DOE\nAssociated Press\n\nAMARANTE, Portugal (AP) — ${DAM[0]}\n\n${DAM[1]}\n\nCopyright 2026 The Associated Press. All rights reserved.`;
    const b = readBody('Dam fails', t);
    expect(b.paragraphs).toEqual([DAM[0], DAM[1]]);
    expect(b.furniture.map((f) => f.kind)).toEqual(['byline', 'byline', 'dateline', 'copyright']);
    expect(b.origin.agency).toBe('AP');
    expect(b.origin.signals).toContainEqual({ kind: 'dateline', agency: 'AP', text: 'AMARANTE, Portugal (AP) —' });
  });

  it('strips a Reuters dateline with a date and the sign-off, origin Reuters', () => {
    const t = `LISBON, Nov 3 (Reuters) - ${DAM[0]}\n\n${DAM[1]}\n\nReporting by Sergio Goncalves; Editing by Alison Williams`;
    const b = readBody('', t);
    expect(b.paragraphs).toEqual([DAM[0], DAM[1]]);
    expect(b.origin.agency).toBe('Reuters');
  });

  it('strips an agency tag without a place, and an AFP dateline in mixed case', () => {
    expect(readBody('', `(Reuters) - ${DAM[0]}`).paragraphs).toEqual([DAM[0]]);
    const afp = readBody('', `Lisbon (AFP) - ${DAM[0]}\n\n© 2026 AFP`);
    expect(afp.paragraphs).toEqual([DAM[0]]);
    expect(afp.origin.agency).toBe('AFP');
  });

  it('strips an upper-case dateline without an agency tag; origin stays null', () => {
    const b = readBody('', `AMARANTE, Portugal — ${DAM[0]}`);
    expect(b.paragraphs).toEqual([DAM[0]]);
    expect(b.origin.agency).toBeNull();
  });

  it('keeps a first paragraph that only starts with a capitalised word and a dash inside the sentence', () => {
    const p = 'Officials — who asked not to be named — said the dam had been inspected in the spring.';
    expect(readBody('', p).paragraphs).toEqual([p]);
  });

  it('removes a repeated headline and outlet boilerplate, keeps every body paragraph in order', () => {
    const t = [
      'Dam fails in northern Portugal',
      'Share this article',
      DAM[0],
      'Sign up for our newsletter to get the latest news in your inbox.',
      DAM[1],
      'ADVERTISEMENT',
      'RELATED: Storms batter Spain',
      DAM[2],
      'Follow us on Instagram for more stories.',
    ].join('\n\n');
    const b = readBody('Dam fails in northern Portugal', t);
    expect(b.paragraphs).toEqual([DAM[0], DAM[1], DAM[2]]);
    expect(b.furniture.map((f) => f.kind)).toEqual(['headline', 'share', 'newsletter', 'advert', 'related', 'social']);
  });

  it('strips a copyright sentence glued to the last paragraph', () => {
    const b = readBody('', `${DAM[0]}\n\n${DAM[9]} Copyright 2026 The Associated Press. All rights reserved.`);
    expect(b.paragraphs).toEqual([DAM[0], DAM[9]]);
    expect(b.origin.agency).toBe('AP');
  });

  it('a body sentence naming the agency gives no origin', () => {
    const b = readBody(
      '',
      text([DAM[0]!, 'The prime minister told The Associated Press that an inquiry would follow.']),
    );
    expect(b.origin.agency).toBeNull();
    expect(b.paragraphs).toHaveLength(2);
  });

  it('the outlet name is a weak origin signal', () => {
    expect(readBody('', DAM[0]!, 'AP News').origin).toMatchObject({ agency: 'AP', signals: [{ kind: 'outlet' }] });
    expect(readBody('', DAM[0]!, 'Daily Courier').origin.agency).toBeNull();
  });
});

describe('dateline place and reporters (the origin a writethru keeps)', () => {
  const read = (lines: string[]) => readBody('', text(lines));

  it('reads the place of every dateline form, and none from a bare agency tag', () => {
    const place = (first: string) => datelinePlace(read([`${first} ${DAM[0]}`]));
    expect(place('AMARANTE, Portugal (AP) —')).toBe('amarante');
    expect(place('LISBON, Nov 3 (Reuters) -')).toBe('lisbon');
    expect(place('The Hague (AFP) -')).toBe('the hague');
    expect(place('NEW YORK —')).toBe('new york');
    expect(place('(Reuters) -')).toBeNull();
    expect(datelinePlace(read(DAM))).toBeNull();
  });

  it('reads reporters from bylines and the reporting part of credit lines, not editors or agencies', () => {
    expect(bylineNames(read(['By ANA BRITO and JOSE SILVA', 'Associated Press', DAM[0]!]))).toEqual(['brito', 'silva']);
    expect(bylineNames(read([DAM[0]!, 'By Anne van Dijk, AFP']))).toEqual(['dijk']);
    const credit =
      'Reporting by Sergio Goncalves; Additional reporting by Catarina Demony in Lisbon; Editing by Alison Williams';
    expect(bylineNames(read([DAM[0]!, credit]))).toEqual(['demony', 'goncalves']);
    expect(bylineNames(read(['By The Associated Press', DAM[0]!]))).toEqual([]);
    // a body sentence with "by" is not a byline
    expect(
      bylineNames(read([DAM[0]!, 'The report was written by engineers from the regional water authority.'])),
    ).toEqual([]);
  });
});
