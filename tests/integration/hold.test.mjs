// The payment window of issue 5: with payment_hold_minutes set, a booking
// must be paid by voucher within that many minutes, or it is released and
// its slot is free again. Paid bookings keep their slot.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, StaffClient, ctlDemoUnlimited } from '../lib/harness.mjs';
import { sql } from '../lib/books.mjs';

const API = '/api/v1';

describe('payment_hold_minutes', () => {
  let s; let desk;
  before(async () => {
    let accounts;
    s = await startServer({
      setup: (db) => {
        accounts = ctlDemoUnlimited(db, { payment_hold_minutes: 15 }).by;
      },
    });
    desk = new StaffClient(s, accounts.desk);
    await desk.loginOk();
  });
  after(async () => { if (s) await s.stop(); });

  async function freeSlots() {
    const d = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 10);
    const r = await request(s, 'GET', `${API}/slots?service=2&therapist=3&from=${d}&days=7`);
    assert.equal(r.status, 200, r.body);
    return r.json.slots;
  }

  test('an unpaid booking shows pay_by; when it passes, the slot is free again', async () => {
    const all = await freeSlots();
    const slot = all[0];
    // Another session far enough away not to clash with the first.
    const other = all.find((x) => Date.parse(x.start) >= Date.parse(slot.end) + 3 * 3600000);
    const t0 = Date.now();
    const r = await request(s, 'POST', `${API}/bookings`, { json: { service: 2, therapist: 3, start: slot.start } });
    assert.equal(r.status, 201, r.body);
    const payBy = Date.parse(r.json.booking.pay_by);
    // 15 minutes, rounded up to a whole minute.
    assert.ok(payBy >= t0 + 15 * 60000 - 1000 && payBy <= Date.now() + 16 * 60000, `pay_by ${r.json.booking.pay_by}`);
    assert.ok(!(await freeSlots()).some((x) => x.start === slot.start), 'a held slot is offered');
    // A second booking that is paid in time keeps its slot.
    const p = await request(s, 'POST', `${API}/bookings`, { json: { service: 2, therapist: 3, start: other.start } });
    assert.equal(p.status, 201, p.body);
    const v = await desk.post(`${API}/staff/vouchers`, { count: 1, value_cents: 9000, currency: 'EUR', valid_days: 30 });
    assert.equal(v.status, 201, v.body);
    const paid = await request(s, 'POST', `${API}/booking/redeem`, {
      json: { code: v.json.vouchers[0].code }, headers: { Authorization: `Bearer ${p.json.token}` } });
    assert.equal(paid.status, 200, paid.body);
    assert.equal(paid.json.pay_by, undefined, 'a paid booking still shows pay_by');
    // The hold says when a booking was made: whole minutes only, and only
    // while it is unpaid and live (DESIGN.md invariant 1).
    const holdOf = (ref) => sql(s.db, `SELECT coalesce(hold_until, 'NULL') FROM bookings WHERE ref = '${ref}'`);
    assert.equal(Number(holdOf(r.json.booking.ref)) % 60, 0, 'hold_until keeps the second of booking');
    assert.equal(holdOf(p.json.booking.ref), 'NULL', 'a paid booking keeps when it was made');
    // The window passes (moved back in the database, as the clock would).
    sql(s.db, `UPDATE bookings SET hold_until = strftime('%s','now') - 1 WHERE ref IN ('${r.json.booking.ref}', '${p.json.booking.ref}')`);
    assert.ok((await freeSlots()).some((x) => x.start === slot.start), 'the lapsed slot is not offered again');
    assert.ok(!(await freeSlots()).some((x) => x.start === other.start), 'the paid slot was released');
    // Someone else books the released slot; the lapsed booking is cancelled.
    const again = await request(s, 'POST', `${API}/bookings`, { json: { service: 2, therapist: 3, start: slot.start } });
    assert.equal(again.status, 201, again.body);
    const lapsed = await request(s, 'GET', `${API}/booking`, { headers: { Authorization: `Bearer ${r.json.token}` } });
    assert.equal(lapsed.status, 200, lapsed.body);
    assert.equal(lapsed.json.status, 'cancelled');
    assert.equal(lapsed.json.cancel_reason, 'Not paid in time');
    assert.equal(holdOf(r.json.booking.ref), 'NULL', 'a released booking keeps when it was made');
    const kept = await request(s, 'GET', `${API}/booking`, { headers: { Authorization: `Bearer ${p.json.token}` } });
    assert.equal(kept.json.status, 'booked');
  });

  test('a client who cancels an unpaid booking leaves no hold behind', async () => {
    const slot = (await freeSlots()).at(-1);
    const r = await request(s, 'POST', `${API}/bookings`, { json: { service: 2, therapist: 3, start: slot.start } });
    assert.equal(r.status, 201, r.body);
    const ref = r.json.booking.ref;
    assert.notEqual(sql(s.db, `SELECT coalesce(hold_until, 'NULL') FROM bookings WHERE ref = '${ref}'`), 'NULL');
    const c = await request(s, 'POST', `${API}/booking/cancel`, { headers: { Authorization: `Bearer ${r.json.token}` } });
    assert.equal(c.status, 200, c.body);
    assert.equal(sql(s.db, `SELECT coalesce(hold_until, 'NULL') FROM bookings WHERE ref = '${ref}'`), 'NULL');
  });
});
