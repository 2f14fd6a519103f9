// ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too)
// The crypto worker pool under more work than it takes (issue 2): with one
// worker and a queue of one, a burst of requests that need scrypt gets some
// 503s with Retry-After instead of queueing without bound, while reads that
// need no scrypt are still answered at once; after the burst, scrypt work
// is served again. A second server keeps the queue full for seconds and
// times reads sent between its 503s.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, request, ctlOk, expectError, sleep, ctlDemoUnlimited,
} from '../lib/harness.mjs';

const BEARER = { Authorization: 'Bearer ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789-ABCD' };

describe('a full scrypt queue', () => {
  let s;
  before(async () => {
    s = await startServer({
      setup: (db) => { ctlOk(db, 'demo'); },
      args: ['--workers', '1', '--queue-max', '1'],
    });
  });
  after(async () => { if (s) await s.stop(); });

  test('a burst gets 503 with Retry-After; reads are still served', async () => {
    // Unknown codes cost one scrypt check each (against the dummy hash).
    const burst = Array.from({ length: 24 }, () =>
      request(s, 'GET', '/api/v1/booking', { headers: BEARER }));
    const t0 = Date.now();
    const read = await request(s, 'GET', '/api/v1/services');
    const readMs = Date.now() - t0;
    assert.equal(read.status, 200);
    const all = await Promise.all(burst);
    const busy = all.filter((r) => r.status === 503);
    const denied = all.filter((r) => r.status === 401 || r.status === 429);
    assert.equal(busy.length + denied.length, all.length,
      `statuses ${all.map((r) => r.status).join(' ')}`);
    assert.ok(busy.length > 0, `no 503 among ${all.map((r) => r.status).join(' ')}`);
    for (const r of busy) {
      expectError(r, 503);
      assert.match(r.headers['retry-after'] ?? '', /^[1-9][0-9]*$/);
    }
    // The read did not wait behind the scrypt queue (~50 ms a check).
    assert.ok(readMs < 1000, `a read took ${readMs} ms during the burst`);
  });

  test('after the burst, scrypt work is served again', async () => {
    const r = await request(s, 'GET', '/api/v1/booking', { headers: BEARER });
    assert.ok(r.status === 401 || r.status === 429, `status ${r.status}`);
  });
});

// The burst above may be over before the read is sent. Here the queue is
// kept full for a while, by clients that each check a valid booking code
// again as soon as they have an answer (scrypt every time, no rate limit),
// and reads are sent while 503s are being answered on both sides of them.
describe('reads while the scrypt queue stays full', () => {
  const LOAD_MS = 2500;
  const CLIENTS = 8;
  let s;
  let token;
  before(async () => {
    s = await startServer({
      setup: (db) => {
        ctlDemoUnlimited(db);
      },
      args: ['--workers', '1', '--queue-max', '1'],
    });
    const from = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
    const slot = (await request(s, 'GET', `/api/v1/slots?service=1&from=${from}&days=14`)).json.slots[0];
    const b = await request(s, 'POST', '/api/v1/bookings', { json: { service: 1, therapist: slot.therapist, start: slot.start } });
    assert.equal(b.status, 201);
    token = b.json.token;
  });
  after(async () => { if (s) await s.stop(); });

  test('503s with Retry-After keep coming and every read in between is fast', async (t) => {
    const until = Date.now() + LOAD_MS;
    const busyAt = [];	// when each 503 was answered
    let ok = 0;
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        const r = await request(s, 'GET', '/api/v1/booking', { headers: { Authorization: `Bearer ${token}` } });
        if (r.status === 503) {
          expectError(r, 503);
          assert.match(r.headers['retry-after'] ?? '', /^[1-9][0-9]*$/);
          busyAt.push(Date.now());
        } else {
          assert.equal(r.status, 200, `GET /booking: ${r.status}`);
          ok++;
        }
      }
    });
    const reads = [];	// {sent, ms}
    await sleep(300);
    while (Date.now() < until - 300) {
      const sent = Date.now();
      const r = await request(s, 'GET', '/api/v1/services');
      assert.equal(r.status, 200);
      reads.push({ sent, ms: Date.now() - sent });
      await sleep(100);
    }
    await Promise.all(clients);
    assert.ok(ok > 0, 'no scrypt work was served at all');
    // Reads that went out while the queue was turning work away.
    const during = reads.filter((x) => busyAt.some((b) => b <= x.sent) && busyAt.some((b) => b >= x.sent + x.ms));
    assert.ok(during.length >= 3, `only ${during.length} reads fell between 503s (${busyAt.length} 503s, ${reads.length} reads)`);
    const slowest = Math.max(...during.map((x) => x.ms));
    t.diagnostic(`${busyAt.length} 503s and ${ok} answers; ${during.length} reads between 503s, slowest ${slowest} ms`);
    assert.ok(slowest < 1000, `a read took ${slowest} ms while the scrypt queue was full`);
  });
});
