import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlerter } from '../../shared/alerts/index.ts';
import { httpFor, makeConfig, readMime, recordingSleep, saveArticle, startTable, topicMatch } from './helpers.ts';

describe('email channel', () => {
  let table: Awaited<ReturnType<typeof startTable>>;
  let smtp: SMTPServer;
  let port = 0;
  const received: Array<{ from: string; to: string[]; raw: string }> = [];
  let rejectNext = 0;

  beforeAll(async () => {
    table = await startTable();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo(_addr, _session, cb) {
        if (rejectNext > 0) {
          rejectNext--;
          const err = new Error('mailbox temporarily unavailable') as Error & { responseCode: number };
          err.responseCode = 451;
          return cb(err);
        }
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await table.db.close();
  });
  beforeEach(() => {
    received.length = 0;
  });

  async function alerterFor(mode: 'realtime' | 'digest', subId: string) {
    const config = await makeConfig({
      channels: [
        {
          id: 'desk-mail',
          type: 'email',
          to: ['desk@example.org'],
          from: 'wirewatch@example.org',
          smtp: { host: '127.0.0.1', port },
        },
      ],
      subscriptions: [
        {
          id: subId,
          topics: ['china-russia', 'china-us'],
          channel: 'desk-mail',
          mode,
          schedule: mode === 'digest' ? 'hourly' : undefined,
        },
      ],
    });
    return createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      sleep: recordingSleep().sleep,
    });
  }

  it('sends HTML and text parts with the feed title escaped', async () => {
    const alerter = await alerterFor('realtime', 'mail-rt');
    const title = 'Russia & China <script>alert(1)</script> "pact"';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/m/1?a=1&b=2',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1.2, title, ['Russia', 'China'])],
    });
    const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
    expect(res.sent).toBe(1);
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.from).toBe('wirewatch@example.org');
    expect(mail.to).toEqual(['desk@example.org']);
    expect(mail.raw).toMatch(/multipart\/alternative/i);
    const { headers, subject, text, html } = readMime(mail.raw);
    expect(subject).toBe(`[wirewatch] China–Russia relations: ${title}`);
    // The alert key, folded by the mailer as a long header may be (RFC 5322 §2.2.3).
    expect(headers.replace(/\r?\n\s+/g, ' ')).toContain(
      `X-Wirewatch-Idempotency-Key: ${item.storyId}#china-russia#mail-rt`,
    );
    expect(html).toContain('Russia &amp; China &lt;script&gt;alert(1)&lt;/script&gt; &quot;pact&quot;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('href="https://news.example/m/1?a=1&amp;b=2"');
    expect(html).toContain('<mark>Russia</mark>');
    expect(text).toContain(title); // plain text needs no escaping
    expect(text).toContain('https://news.example/m/1?a=1&b=2');
    expect(text).toContain('China–Russia relations (score 1.20)');
  });

  it('a digest is one message with a section per topic', async () => {
    const alerter = await alerterFor('digest', 'mail-digest');
    const t0 = Date.now();
    const titles = ['Putin visits Beijing', 'Xi calls Moscow', 'China and the United States talk trade'];
    for (const [i, title] of titles.entries()) {
      const topic =
        i < 2
          ? topicMatch('china-russia', 'China–Russia relations', 1, title, [])
          : topicMatch('china-us', 'China–US relations', 1, title, ['China']);
      const { item, newTopics } = await saveArticle(table.store, {
        url: `https://news.example/m/d${i}`,
        title,
        topics: [topic],
      });
      const res = await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!);
      expect(res.deferred).toBe(1);
    }
    expect(received).toHaveLength(0);
    expect(await alerter.runDigests(new Date(t0 + 2 * 3600_000))).toMatchObject({ sent: 3, failed: 0 });
    expect(received).toHaveLength(1);
    const { subject, text, html } = readMime(received[0]!.raw);
    expect(subject).toBe('[wirewatch] digest: 3 alert(s) — hourly');
    expect(html.match(/<h2>/g)).toHaveLength(2);
    expect(html).toMatch(
      /<h2>China–Russia relations \(2\)<\/h2>[\s\S]*Putin visits Beijing[\s\S]*Xi calls Moscow[\s\S]*<h2>China–US relations \(1\)<\/h2>/,
    );
    expect(text).toMatch(/China–Russia relations \(2\)\r?\n=+\r?\n/);
    // Sent alerts are not digested again.
    expect(await alerter.runDigests(new Date(t0 + 5 * 3600_000))).toMatchObject({ sent: 0, failed: 0 });
    expect(received).toHaveLength(1);
  });

  it('retries a temporary SMTP refusal (4xx) within the call', async () => {
    const alerter = await alerterFor('realtime', 'mail-retry');
    rejectNext = 1;
    const title = 'Kremlin welcomes Chinese envoy';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/m/retry',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, [])],
    });
    expect(await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).toMatchObject({ sent: 1, failed: 0 });
    expect(received).toHaveLength(1);
    const [rec] = (await alerter.listAlerts({ status: 'sent' })).filter((r) => r.subscriptionId === 'mail-retry');
    expect(rec?.attempts).toBe(2);
  });

  it('uses SES (sender identity from config) when no smtp is configured', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1' });
    const sesMock = mockClient(ses);
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const config = await makeConfig({
      channels: [{ id: 'ses-mail', type: 'email', to: ['desk@example.org'], from: 'alerts@example.org' }],
      subscriptions: [{ id: 'ses', topics: ['china-russia'], channel: 'ses-mail' }],
    });
    const alerter = createAlerter({
      config,
      table: table.store.table,
      items: table.store,
      http: httpFor(config),
      ses,
    });
    const title = 'Russia <b>China</b>';
    const { item, newTopics } = await saveArticle(table.store, {
      url: 'https://news.example/m/ses',
      title,
      topics: [topicMatch('china-russia', 'China–Russia relations', 1, title, [])],
    });
    expect((await alerter.deliver(alerter.planAlerts(item, newTopics)[0]!)).sent).toBe(1);
    const calls = sesMock.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.FromEmailAddress).toBe('alerts@example.org');
    expect(input.Destination?.ToAddresses).toEqual(['desk@example.org']);
    expect(input.Content?.Simple?.Body?.Html?.Data).toContain('Russia &lt;b&gt;China&lt;/b&gt;');
    expect(input.Content?.Simple?.Body?.Text?.Data).toContain('Russia <b>China</b>');
    sesMock.restore();
  });
});
