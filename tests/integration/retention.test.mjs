// Retention (issue 6, begun here; DESIGN.md invariant 7): retention_days
// after a session, `saferoomctl purge` (and the server's once-a-minute
// housekeeping) deletes the booking and its token hash; only anonymous
// aggregates remain: sessions and money per day, service and method.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, request, ctl, StaffClient, ctlDemoUnlimited } from '../lib/harness.mjs';
import { sql } from '../lib/books.mjs';


describe('retention', () => {
  let s; let desk;
  before(async () => {
    let accounts;
    s = await startServer({
      setup: (db) => {
        accounts = ctlDemoUnlimited(db).by;
      },
    });
    desk = new StaffClient(s, accounts.desk);
    await desk.loginOk();
  });
  after(async () => { if (s) await s.stop(); });

  test('a booking past retention_days is folded into aggregates and deleted', async () => {
    const from = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
    const slots = (await request(s, 'GET', `/api/v1/slots?service=2&therapist=2&from=${from}&days=7`)).json.slots;
    const a = await request(s, 'POST', '/api/v1/bookings', { json: { service: 2, therapist: 2, start: slots[0].start } });
    const b = await request(s, 'POST', '/api/v1/bookings', { json: { service: 2, therapist: 2, start: slots[4].start } });
    assert.equal(a.status, 201, a.body);
    assert.equal(b.status, 201, b.body);
    const v = await desk.post('/api/v1/staff/vouchers', { count: 1, value_cents: 9000, currency: 'EUR', valid_days: 30 });
    const paid = await request(s, 'POST', '/api/v1/booking/redeem', {
      json: { code: v.json.vouchers[0].code }, headers: { Authorization: `Bearer ${a.json.token}` } });
    assert.equal(paid.status, 200, paid.body);
    const ref = a.json.booking.ref;
    const hash = sql(s.db, `SELECT token_hash FROM bookings WHERE ref = '${ref}'`);
    // The session took place 40 days ago (moved back in the database).
    sql(s.db, `UPDATE bookings SET start_utc = start_utc - 45*86400, end_utc = end_utc - 45*86400 WHERE ref = '${ref}'`);
    const day = Number(sql(s.db, `SELECT start_utc FROM bookings WHERE ref = '${ref}'`));
    const r = ctl(s.db, 'purge');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.kv.purged, '1');
    assert.equal(sql(s.db, `SELECT count(*) FROM bookings WHERE ref = '${ref}'`), '0');
    assert.equal(sql(s.db, `SELECT count(*) FROM bookings WHERE ref = '${b.json.booking.ref}'`), '1', 'a later booking was purged');
    assert.equal(sql(s.db, `SELECT count(*) FROM ledger WHERE booking_ref = '${ref}'`), '0');
    assert.equal(sql(s.db, `SELECT count(*) FROM audit WHERE booking_ref = '${ref}'`), '0');
    assert.equal(sql(s.db, "SELECT amount_cents FROM ledger WHERE kind = 'voucher_redeemed'"), '9000', 'the money left the ledger');
    assert.equal(sql(s.db, 'SELECT service_id, method, currency, sessions, cents FROM aggregates'), '2|voucher|EUR|1|9000');
    assert.ok(Number(sql(s.db, 'SELECT day FROM aggregates')) * 86400 <= day + 86400);
    // The client's code opens nothing any more.
    const gone = await request(s, 'GET', '/api/v1/booking', { headers: { Authorization: `Bearer ${a.json.token}` } });
    assert.equal(gone.status, 401);
    // Nothing of it is left in the file once the server has closed it.
    await s.stop();
    const bytes = fs.readFileSync(s.db).toString('latin1');
    assert.ok(!bytes.includes(hash), 'the token hash is still in the database file');
    assert.ok(!bytes.includes(ref), 'the booking reference is still in the database file');
    assert.equal(ctl(s.db, 'purge').kv.purged, '0', 'purge is not idempotent');
    assert.equal(ctl(s.db, 'purge', 'now').status, 2);
    await s.restart();
  });
});
