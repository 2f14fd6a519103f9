// The database as the fault tests (crash, full disk, locked) see it: SQL on
// the live file through the sqlite3 command line, the integrity check, and
// the books' invariant written as SQL; plus booking free slots of the demo
// clinic through the public API. Node built-ins and the harness only.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from './harness.mjs';
import { today, dateOf, weekday, msOf } from './clinic.mjs';

/** sqlite3 on the live database (WAL: the server may hold it open). */
export function sql(db, q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' }).trim();
}

/** One integer that q selects. */
export function num(db, q) {
  const v = sql(db, q);
  assert.match(v, /^-?\d+$/, `${q} -> ${JSON.stringify(v)}`);
  return Number(v);
}

/** q quoted as an SQL string literal. */
export const quote = (text) => `'${String(text).replace(/'/g, "''")}'`;

/** Asserts PRAGMA integrity_check says ok and no foreign key dangles. */
export function assertIntact(db) {
  assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok', 'PRAGMA integrity_check');
  assert.equal(sql(db, 'PRAGMA foreign_key_check'), '', 'PRAGMA foreign_key_check');
}

/*
 * The books (store.c migration 4): vouchers hold what the ledger says they
 * were sold or credited for less what left them, and bookings hold what the
 * ledger says was paid for them. Each SELECT names the rows that break it;
 * none may name any.
 */
const LEDGER_SIGN = `CASE WHEN l.kind IN ('voucher_sold', 'credit_issued') THEN l.amount_cents ELSE -l.amount_cents END`;
export const BOOKS_VIOLATIONS = {
  'voucher balance differs from its ledger rows': `SELECT v.lookup || ' ' || v.balance_cents || ' ' || coalesce((SELECT sum(${LEDGER_SIGN}) FROM ledger l WHERE l.voucher_id = v.id), 0) FROM vouchers v WHERE v.balance_cents <> coalesce((SELECT sum(${LEDGER_SIGN}) FROM ledger l WHERE l.voucher_id = v.id), 0)`,
  'voucher balance out of range': 'SELECT lookup || \' \' || balance_cents FROM vouchers WHERE balance_cents < 0 OR balance_cents > value_cents',
  'booking paid differs from its ledger rows': `SELECT b.ref || ' ' || b.paid_cents FROM bookings b WHERE b.paid_cents <> coalesce((SELECT sum(CASE WHEN l.kind IN ('voucher_redeemed', 'payment') THEN l.amount_cents WHEN l.kind IN ('refund', 'credit_issued') THEN -l.amount_cents ELSE 0 END) FROM ledger l WHERE l.booking_ref = b.ref), 0)`,
  'booking voucher_paid differs from its ledger rows': `SELECT b.ref || ' ' || b.voucher_paid_cents FROM bookings b WHERE b.voucher_paid_cents <> coalesce((SELECT sum(CASE l.kind WHEN 'voucher_redeemed' THEN l.amount_cents WHEN 'credit_issued' THEN -l.amount_cents ELSE 0 END) FROM ledger l WHERE l.booking_ref = b.ref), 0)`,
  'booking overpaid': 'SELECT ref || \' \' || paid_cents || \'/\' || price_cents FROM bookings WHERE paid_cents > price_cents OR voucher_paid_cents > paid_cents',
  'ledger row of a booking that is not there': 'SELECT id FROM ledger l WHERE l.booking_ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.ref = l.booking_ref)',
  'voucher total differs from the ledger total': `SELECT (SELECT coalesce(sum(balance_cents), 0) FROM vouchers) || ' ' || (SELECT coalesce(sum(${LEDGER_SIGN}), 0) FROM ledger l WHERE l.voucher_id IS NOT NULL) WHERE (SELECT coalesce(sum(balance_cents), 0) FROM vouchers) <> (SELECT coalesce(sum(${LEDGER_SIGN}), 0) FROM ledger l WHERE l.voucher_id IS NOT NULL)`,
};

/** Asserts every invariant of the books holds in db. */
export function assertBooks(db) {
  for (const [what, q] of Object.entries(BOOKS_VIOLATIONS)) {
    assert.equal(sql(db, q), '', `the books: ${what}`);
  }
}

/** The first Monday at least 3 days ahead: slots there are bookable whatever the notice. */
export const firstMonday = () => { let d = today() + 3; while (weekday(d) !== 1) d++; return d; };

/**
 * Free slots of service on server from day `from` on (14 days at a time),
 * at most n, no two of one therapist closer than 30 minutes (so that
 * booking them all does not collide). Returns [{service, therapist, start}].
 */
export async function freeSlots(server, service, n, from = firstMonday()) {
  const out = [];
  for (let d = from; out.length < n && d < from + 84; d += 14) {
    const res = await request(server, 'GET',
      `/api/v1/slots?${new URLSearchParams({ service, from: dateOf(d), days: 14 })}`);
    assert.equal(res.status, 200, `slots: ${res.status} ${res.body.slice(0, 200)}`);
    for (const sl of res.json.slots) {
      if (out.length >= n) break;
      const a = msOf(sl.start);
      const b = msOf(sl.end);
      if (out.some((p) => p.therapist === sl.therapist && a < p.b + 30 * 60000 && p.a < b + 30 * 60000)) continue;
      out.push({ service, therapist: sl.therapist, start: sl.start, a, b });
    }
  }
  return out.map(({ a, b, ...rest }) => rest);
}

/** POST /api/v1/bookings of one slot from freeSlots(). */
export const book = (server, slot, opts = {}) => request(server, 'POST', '/api/v1/bookings',
  { ...opts, json: { service: slot.service, therapist: slot.therapist, start: slot.start } });

/** Authorization header of a booking token. */
export const bearer = (token) => ({ Authorization: `Bearer ${token}` });
