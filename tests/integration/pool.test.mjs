// ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too)
// The crypto worker pool under more work than it takes (issue 2): with one
// worker and a queue of one, a burst of requests that need scrypt gets some
// 503s with Retry-After instead of queueing without bound, while reads that
// need no scrypt are still answered at once; after the burst, scrypt work
// is served again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, ctlOk, expectError } from '../lib/harness.mjs';

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
