import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter, verifyWebhookSignature } from '../../shared/alerts/index.ts';
import { buildContent, consoleAlert, emailAlert, pickEvidence, slackAlert } from '../../shared/alerts/render.ts';
import type { AlertContent } from '../../shared/alerts/types.ts';
import type { Config } from '../../shared/config/load.ts';
import type { TopicMatch } from '../../shared/types.ts';
import {
  evidenceMatch,
  httpFor,
  lines,
  makeConfig,
  readMime,
  recordingSleep,
  saveArticle,
  startReceiver,
  startTable,
  type Receiver,
} from './helpers.ts';

/*
 * Evidence in alerts: every channel shows up to three evidence sentences, the first sentence of each distinct
 * clause first, with the matched words marked in the channel's own way, and hostile feed text inert. Slack and the
 * webhook go to real node:http receivers through the real HTTP chokepoint, email to a real SMTP server
 * (smtp-server), SNS to a mocked client, console to a captured sink; every alert goes through the real alerter on
 * dynalite.
 */

const A = 'SENTENCE(@china, @russia, @relation)';
const B = 'SENTENCE(@china_official, @russia_official, @leader_contact)';
const C = 'SENTENCE(NEAR/1(@china, @russia))';

const TITLE = 'Xi and Putin meet in Moscow';
const S1 = 'Chinese leader Xi Jinping met Russian President Vladimir Putin in Moscow on Tuesday.';
const S2 = 'Russia will send more gas to China through the Power of Siberia pipeline.';
const S3 =
  'The two leaders signed a <!channel> *joint* statement <img src=x onerror=alert(1)> on `trade` and _energy_ ~deals~ & more.';
const S4 = 'Beijing and Moscow pledged a "no limits" partnership,\u001b[2J <@U123|boss> <https://evil.example|click>.';
const TEXT = [S1, S2, S3, S4].join(' ');

/** Clause A holds in S1 and S2, B in S3, C in S4: the alert shows S1, S3, S4 (distinct clauses first). */
const match = (): TopicMatch =>
  evidenceMatch('china-russia', 'China–Russia relations', 4.5, { title: TITLE, text: TEXT }, [
    { clause: A, sentence: S1, terms: ['Xi Jinping', 'Vladimir Putin', 'Moscow'] },
    { clause: A, sentence: S2, terms: ['Russia', 'China', 'gas'] },
    { clause: B, sentence: S3, terms: ['leaders', 'signed'] },
    { clause: C, sentence: S4, terms: ['Beijing', 'Moscow'] },
  ]);

describe('which evidence an alert carries', () => {
  const doc = { title: TITLE, text: TEXT };

  it('takes the first sentence of each distinct clause first, then further sentences, at most three', () => {
    expect(pickEvidence(match().evidence).map((e) => e.text)).toEqual([S1, S3, S4]);
    const oneClause = evidenceMatch('t', 'T', 2, doc, [
      { clause: A, sentence: S1, terms: ['Moscow'] },
      { clause: A, sentence: S2, terms: ['gas'] },
      { clause: B, sentence: S3, terms: ['signed'] },
      { clause: A, sentence: S4, terms: ['Beijing'] },
    ]);
    expect(pickEvidence(oneClause.evidence).map((e) => [e.clause, e.text])).toEqual([
      [A, S1],
      [B, S3],
      [A, S2],
    ]);
  });

  it('shows a sentence repeated word for word (the headline again in the text) once', () => {
    const repeated = evidenceMatch('t', 'T', 2, { title: TITLE, text: `${TITLE}\n${TEXT}` }, [
      { clause: A, sentence: TITLE, terms: ['Xi'] },
      { clause: B, sentence: TITLE, terms: ['Putin'], in: 'text' },
      { clause: C, sentence: S4, terms: ['Beijing'] },
    ]);
    expect(repeated.evidence.map((e) => e.field)).toEqual(['title', 'lead', 'lead']);
    // the second entry is the headline again as the first line of the text: skipped
    expect(pickEvidence(repeated.evidence).map((e) => e.text)).toEqual([TITLE, S4]);
  });

  it('keeps the single `evidence` object (the first sentence) beside evidenceAll, offsets inside each sentence', () => {
    const item = { id: 'i_x', storyId: 'i_x', url: 'https://news.example/x', title: TITLE, siteName: 'Wire' };
    const c = buildContent(item as never, 'china-russia', match(), 'China–Russia relations');
    expect(c.evidenceAll!.map((e) => [e.clause, e.field, e.text])).toEqual([
      [A, 'lead', S1],
      [B, 'lead', S3],
      [C, 'lead', S4],
    ]);
    expect(c.evidence).toEqual({ clause: A, text: S1, terms: c.evidenceAll![0]!.terms });
    for (const e of c.evidenceAll!) {
      for (const t of e.terms)
        expect(e.text.slice(t.start, t.end)).toMatch(/^(Xi Jinping|Vladimir Putin|Moscow|leaders|signed|Beijing)$/);
    }
  });

  it('renders a snapshot stored before evidenceAll existed from its single evidence', () => {
    const legacy: AlertContent = {
      itemId: 'i_1',
      storyId: 'i_1',
      url: 'https://news.example/1',
      title: TITLE,
      outlet: 'Wire',
      publishedAt: null,
      topicId: 'china-russia',
      topicName: 'China–Russia relations',
      score: 3,
      evidence: { clause: A, text: 'Xi met Putin.', terms: [{ start: 0, end: 2 }] },
    };
    expect(JSON.stringify(slackAlert(legacy).blocks)).toContain('>*Xi* met Putin.');
    expect(emailAlert(legacy).html).toContain('<blockquote><mark>Xi</mark> met Putin.</blockquote>');
    expect(consoleAlert(legacy, 'realtime').split('\n')[1]).toBe('    > [Xi] met Putin.');
  });

  it('keeps a Slack evidence section within 3000 characters when escaping grows the text', () => {
    const amp = `Xi ${'&'.repeat(590)} Putin`;
    const c = buildContent(
      { id: 'i_a', storyId: 'i_a', url: 'https://news.example/a', title: amp, siteName: 'Wire' } as never,
      'china-russia',
      evidenceMatch('china-russia', 'China–Russia relations', 3, { title: amp, text: `${amp}.\n${amp}!\n${amp}?` }, [
        { clause: A, sentence: `${amp}.`, terms: ['Xi'] },
        { clause: B, sentence: `${amp}!`, terms: ['Xi'] },
        { clause: C, sentence: `${amp}?`, terms: ['Xi'] },
      ]),
      'China–Russia relations',
    );
    const section = slackAlert(c).blocks.at(-1) as { text: { text: string } };
    expect(section.text.text.length).toBeLessThanOrEqual(3000);
    expect(section.text.text.split('\n')).toHaveLength(3);
  });
});

describe('every channel shows up to three evidence sentences', () => {
  let table: Awaited<ReturnType<typeof startTable>>;
  let slackRx: Receiver;
  let hookRx: Receiver;
  let smtp: SMTPServer;
  let smtpPort = 0;
  const mails: string[] = [];
  let n = 0;

  beforeAll(async () => {
    table = await startTable();
    slackRx = await startReceiver();
    hookRx = await startReceiver();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await Promise.all([slackRx.close(), hookRx.close()]);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await table.db.close();
  });

  /** Delivers one alert of the fixture story to `channel` through the real alerter; returns what it needed. */
  async function deliverTo(
    channel: Record<string, unknown>,
    extra: { allow?: string[]; env?: NodeJS.ProcessEnv; sns?: SNSClient; write?: (l: string) => void } = {},
  ): Promise<{ itemId: string; config: Config }> {
    n++;
    const config = await makeConfig(
      {
        channels: [channel],
        subscriptions: [{ id: `ev-${n}`, topics: ['china-russia'], channel: channel.id }],
      },
      extra.allow ?? [],
    );
    const alerter = createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      env: extra.env ?? {},
      sns: extra.sns,
      consoleWrite: extra.write ?? (() => {}),
      sleep: recordingSleep().sleep,
    });
    const { item, newTopics } = await saveArticle(table.store, {
      url: `https://news.example/evidence/${n}`,
      title: TITLE,
      text: TEXT,
      topics: [match()],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res).toMatchObject({ sent: 1, failed: 0 });
    return { itemId: item.id, config };
  }

  it('Slack: one quote line per sentence, matched words in *bold*, feed text escaped and neutralised', async () => {
    await deliverTo(
      { id: 'team-slack', type: 'slack', webhookUrlEnv: 'SLACK_WEBHOOK_URL' },
      { allow: [slackRx.hostPort], env: { SLACK_WEBHOOK_URL: slackRx.url } },
    );
    const msg = JSON.parse(slackRx.requests.at(-1)!.body.toString('utf8')) as {
      text: string;
      blocks: Array<{ type: string; text?: { type: string; text: string } }>;
    };
    const evidence = msg.blocks.at(-1)!.text!;
    expect(evidence.type).toBe('mrkdwn');
    expect(evidence.text.split('\n')).toEqual([
      '>Chinese leader *Xi Jinping* met Russian President *Vladimir Putin* in *Moscow* on Tuesday.',
      '>The two *leaders* *signed* a &lt;!channel&gt; ∗joint∗ statement &lt;img src=x onerror=alert(1)&gt; on ˋtradeˋ and ＿energy＿ ∼deals∼ &amp; more.',
      '>*Beijing* and *Moscow* pledged a "no limits" partnership, [2J &lt;@U123|boss&gt; &lt;https://evil.example|click&gt;.',
    ]);
    // Slack control sequences only exist between raw < and >: the only one in the message is our title link
    const all = msg.text + JSON.stringify(msg.blocks);
    expect([...all.matchAll(/<([^<>]*)>/g)].map((m) => m[1])).toEqual([
      expect.stringMatching(/^https:\/\/news\.example\/evidence\/\d+\|Xi and Putin meet in Moscow$/),
    ]);
    expect(JSON.stringify(msg.blocks)).not.toContain(S2);
  });

  it('email: HTML with <mark> (escaped), the text part with [brackets]', async () => {
    await deliverTo({
      id: 'desk-mail',
      type: 'email',
      to: ['desk@example.org'],
      from: 'wirewatch@example.org',
      smtp: { host: '127.0.0.1', port: smtpPort },
    });
    const { html, text } = readMime(mails.at(-1)!);
    expect(html.match(/<blockquote>[\s\S]*?<\/blockquote>/g)).toEqual([
      '<blockquote>Chinese leader <mark>Xi Jinping</mark> met Russian President <mark>Vladimir Putin</mark> in <mark>Moscow</mark> on Tuesday.</blockquote>',
      '<blockquote>The two <mark>leaders</mark> <mark>signed</mark> a &lt;!channel&gt; *joint* statement &lt;img src=x onerror=alert(1)&gt; on `trade` and _energy_ ~deals~ &amp; more.</blockquote>',
      '<blockquote><mark>Beijing</mark> and <mark>Moscow</mark> pledged a &quot;no limits&quot; partnership, [2J &lt;@U123|boss&gt; &lt;https://evil.example|click&gt;.</blockquote>',
    ]);
    expect(html).not.toMatch(/<img|<!channel|<@U123|<https:/);
    expect(text.split(/\r?\n/).filter((l) => l.startsWith('> '))).toEqual([
      '> Chinese leader [Xi Jinping] met Russian President [Vladimir Putin] in [Moscow] on Tuesday.',
      '> The two [leaders] [signed] a <!channel> *joint* statement <img src=x onerror=alert(1)> on `trade` and _energy_ ~deals~ & more.',
      '> [Beijing] and [Moscow] pledged a "no limits" partnership, [2J <@U123|boss> <https://evil.example|click>.',
    ]);
  });

  /** Checks the JSON alert of a webhook or SNS message: `evidence` kept, `evidenceAll` with offsets, verbatim text. */
  function checkJson(body: { alerts: Array<Record<string, any>> }): void {
    const a = body.alerts[0]!;
    expect(a.evidenceAll.map((e: Record<string, unknown>) => [e.clause, e.field, e.text])).toEqual([
      [A, 'lead', S1],
      [B, 'lead', S3],
      [C, 'lead', S4],
    ]);
    const marked = a.evidenceAll.map((e: { text: string; terms: Array<{ start: number; end: number }> }) =>
      e.terms.map((t) => e.text.slice(t.start, t.end)),
    );
    expect(marked).toEqual([
      ['Xi Jinping', 'Vladimir Putin', 'Moscow'],
      ['leaders', 'signed'],
      ['Beijing', 'Moscow'],
    ]);
    expect(a.evidence).toEqual({ clause: A, text: S1, terms: a.evidenceAll[0].terms });
  }

  it('webhook: signed JSON with `evidence` (first sentence) and an `evidenceAll` array of offsets into each text', async () => {
    await deliverTo(
      { id: 'hook', type: 'webhook', url: hookRx.url, secretEnv: 'WEBHOOK_SECRET' },
      { allow: [hookRx.hostPort], env: { WEBHOOK_SECRET: 'a-secret' } },
    );
    const req = hookRx.requests.at(-1)!;
    expect(
      verifyWebhookSignature({
        secret: 'a-secret',
        body: req.body,
        timestamp: req.headers['x-wirewatch-timestamp'] as string,
        signature: req.headers['x-wirewatch-signature'] as string,
      }),
    ).toBe(true);
    checkJson(JSON.parse(req.body.toString('utf8')));
  });

  it('SNS: the same JSON in the message', async () => {
    const sns = new SNSClient({ region: 'eu-west-1' });
    const snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    try {
      await deliverTo(
        { id: 'aws', type: 'sns' },
        { sns, env: { WIREWATCH_ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' } },
      );
      const [call] = snsMock.commandCalls(PublishCommand);
      checkJson(JSON.parse(call!.args[0].input.Message!));
    } finally {
      snsMock.restore();
    }
  });

  it('console: the alert line, then one line per sentence with [brackets], control characters removed', async () => {
    const out = lines();
    await deliverTo({ id: 'console', type: 'console' }, { write: out.write });
    expect(out.lines).toHaveLength(1);
    const [head, ...rest] = out.lines[0]!.split('\n');
    expect(head).toMatch(/^\[alert\] china-russia 4\.50 \| Xi and Putin meet in Moscow \| Example Wire \| /);
    expect(head).toMatch(/ \| https:\/\/news\.example\/evidence\/\d+$/);
    expect(rest).toEqual([
      '    > Chinese leader [Xi Jinping] met Russian President [Vladimir Putin] in [Moscow] on Tuesday.',
      '    > The two [leaders] [signed] a <!channel> *joint* statement <img src=x onerror=alert(1)> on `trade` and _energy_ ~deals~ & more.',
      '    > [Beijing] and [Moscow] pledged a "no limits" partnership, [2J <@U123|boss> <https://evil.example|click>.',
    ]);
    expect(out.lines[0]).not.toContain('\u001b');
  });
});
