import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message a bundle sent to the loopback SQS endpoint. */
export interface SentMessage {
  queueUrl: string;
  body: string;
}

/**
 * A loopback stand-in for the two AWS JSON-protocol calls the bundles make that have no local server among our
 * dependencies: SQS `SendMessage` / `SendMessageBatch` (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Action>`, with the
 * `MD5OfMessageBody` the SDK verifies — SQS API Reference) and Secrets Manager `GetSecretValue` (AWS JSON 1.1,
 * `secretsmanager.GetSecretValue`). aws-sdk-client-mock cannot reach a bundle running in another process, so the
 * real SDK inside the bundle talks HTTP to this. Unknown actions and secrets get a 400 naming them.
 * Point a bundle at it with `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 * @param secrets SecretId (ARN or name) → SecretString
 * @param opts.sqsDelayMs hold each SQS answer this long (ms), so concurrent calls overlap measurably
 * @param opts.refuse SQS entries whose body it accepts are answered as `Failed` (not sent)
 * @returns also `sqsPeakInFlight`: the most SQS calls the endpoint was answering at one time
 */
export async function startLocalAws(
  secrets: Record<string, string> = {},
  opts: { sqsDelayMs?: number; refuse?: (body: string) => boolean } = {},
): Promise<{
  endpoint: string;
  sent: SentMessage[];
  secretReads: string[];
  readonly sqsPeakInFlight: number;
  close(): Promise<void>;
}> {
  const secretReads: string[] = [];
  const sent: SentMessage[] = [];
  let sqsInFlight = 0;
  let sqsPeakInFlight = 0;
  const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(body));
    };
    let input: { QueueUrl?: string; MessageBody?: string; Entries?: Array<{ Id: string; MessageBody: string }> };
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof input;
    } catch {
      reply(400, { __type: 'com.amazon.coral.service#SerializationException', message: 'body is not JSON' });
      return;
    }
    if (target === 'AmazonSQS.SendMessageBatch') {
      sqsInFlight++;
      sqsPeakInFlight = Math.max(sqsPeakInFlight, sqsInFlight);
      if (opts.sqsDelayMs) await new Promise((r) => setTimeout(r, opts.sqsDelayMs));
      sqsInFlight--;
      const entries = input.Entries ?? [];
      const refused = entries.filter((e) => opts.refuse?.(e.MessageBody));
      const accepted = entries.filter((e) => !refused.includes(e));
      for (const e of accepted) sent.push({ queueUrl: input.QueueUrl ?? '', body: e.MessageBody });
      reply(200, {
        Successful: accepted.map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody) })),
        Failed: refused.map((e) => ({
          Id: e.Id,
          Code: 'InvalidMessageContents',
          SenderFault: true,
          Message: 'refused',
        })),
      });
    } else if (target === 'AmazonSQS.SendMessage') {
      sent.push({ queueUrl: input.QueueUrl ?? '', body: input.MessageBody ?? '' });
      reply(200, { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody ?? '') });
    } else if (target === 'secretsmanager.GetSecretValue') {
      const id = (input as { SecretId?: string }).SecretId ?? '';
      secretReads.push(id);
      if (secrets[id] === undefined) {
        reply(400, {
          __type: 'ResourceNotFoundException',
          message: `Secrets Manager can't find the specified secret ${id}`,
        });
      } else {
        reply(200, {
          ARN: id,
          Name: id,
          SecretString: secrets[id],
          VersionId: 'v1',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 0,
        });
      }
    } else {
      reply(400, { __type: 'UnsupportedOperation', message: `local AWS does not implement "${target}"` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    sent,
    secretReads,
    get sqsPeakInFlight() {
      return sqsPeakInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A loopback page server: `GET <path>` answers the page registered for it, else 404. Counts requests per path. */
export async function startPageServer(pages: Record<string, { body: string; type?: string }>): Promise<{
  origin: string;
  host: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const page = pages[path];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': page.type ?? 'text/html; charset=utf-8' });
    res.end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
