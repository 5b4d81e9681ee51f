import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { createHttpClient } from '../../shared/http/index.ts';
import { Store } from '../../shared/store/index.ts';
import { startTestDynamo } from '../helpers/dynalite.ts';

/*
 * Politeness across processes: two HTTP clients (two Lambdas, each with its own in-process gate) sharing one
 * table keep `hostGapMs` between their requests to one host, through the store's host slots.
 */

let dyn: EmbeddedStore;
let server: Server;
let base = '';
const starts: number[] = [];

beforeAll(async () => {
  dyn = await startTestDynamo();
  server = createServer((_req, res) => {
    starts.push(Date.now());
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await dyn.close();
});

describe('host leases', () => {
  it('two clients sharing the table keep the gap between their requests to one host', async () => {
    const store = new Store({ client: dyn.client, tableName: 'leases', retentionDays: 1 });
    await store.ensureTable();
    const config = await resolveConfig({ http: { allowHosts: [base.slice(7)], hostGapMs: 300 } });
    // Record each booked start.
    const booked: number[] = [];
    const leases = {
      reserve: async (host: string, gap: number) => {
        const slot = await store.hostLeases.reserve(host, gap);
        booked.push(slot);
        return slot;
      },
    };
    const a = createHttpClient(config.http, { leases });
    const b = createHttpClient(config.http, { leases });
    try {
      starts.length = 0;
      await Promise.all([
        ...[0, 1, 2].map((i) => a.request(`${base}/a${i}`, { kind: 'page' })),
        ...[0, 1, 2].map((i) => b.request(`${base}/b${i}`, { kind: 'page' })),
      ]);
      expect(starts).toHaveLength(6);
      // The bookings are 300 ms apart whichever client made them.
      const slots = [...booked].sort((x, y) => x - y);
      const gaps = slots.slice(1).map((t, i) => t - slots[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(300);
      // No request reached the publisher before its booked slot (a loaded machine may only make them late).
      const arrivals = [...starts].sort((x, y) => x - y);
      arrivals.forEach((t, i) => {
        expect(t).toBeGreaterThanOrEqual(slots[i]! - 5);
      });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('without shared leases the two clients overlap (what the leases prevent)', async () => {
    const config = await resolveConfig({ http: { allowHosts: [base.slice(7)], hostGapMs: 300 } });
    const a = createHttpClient(config.http);
    const b = createHttpClient(config.http);
    try {
      starts.length = 0;
      await Promise.all([a.request(`${base}/x`, { kind: 'page' }), b.request(`${base}/y`, { kind: 'page' })]);
      expect(Math.abs(starts[0]! - starts[1]!)).toBeLessThan(280);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('webhooks are not held to the publisher gap', async () => {
    const store = new Store({ client: dyn.client, tableName: 'leases', retentionDays: 1 });
    const config = await resolveConfig({ http: { allowHosts: [base.slice(7)], hostGapMs: 5_000 } });
    const a = createHttpClient(config.http, { leases: store.hostLeases });
    try {
      const before = store.table.counters.UpdateItem ?? 0;
      await a.request(`${base}/hook`, { kind: 'webhook', method: 'POST', body: '{}' });
      await a.request(`${base}/hook`, { kind: 'webhook', method: 'POST', body: '{}' });
      expect(store.table.counters.UpdateItem ?? 0).toBe(before);
    } finally {
      await a.close();
    }
  });
});
