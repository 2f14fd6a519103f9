// ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too)
// Issue 5 over real TLS against the real saferoomd: prepaid vouchers (the
// desk's batches, their codes, the check symbol, forgiving input), client
// and desk redemption with every error, Idempotency-Key retries, races of
// concurrent redemptions (one voucher on many bookings, many vouchers on one
// booking), cash and card at the desk, the credit voucher on cancellation,
// and the books: the ledger adds up with voucher balances and booking
// payments, it is append-only, it names no person, and no voucher code is
// in the database, its WAL or the log.
//
// A second server ("other") makes vouchers that the main server has never
// seen (unknown but well formed) and checks the guessing limit, which would
// otherwise lock the main server's tests out (30 wrong codes per address).
//
// Bookings are made through the public API on free slots found with
// GET /slots from W0 (the next Monday at least 3 days ahead); the demo
// clinic's prices: service 1 40.00, 2 90.00, 3 140.00 EUR.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ctlOk, ctlDemo, startServer, request, expectError, StaffClient,
} from '../lib/harness.mjs';
import { TZ, DAY_MS, dayOf, today, dateOf, weekday } from '../lib/clinic.mjs';

/* ---- days in the clinic's zone ------------------------------------------------ */

const W0 = (() => { let d = today() + 3; while (weekday(d) !== 1) d++; return d; })();

/* ---- the demo clinic ---------------------------------------------------------------- */

const PRICE = { 1: 4000, 2: 9000, 3: 14000 };
const API = '/api/v1';

/* ---- voucher codes -------------------------------------------------------------------- */

const SYM = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const VOUCHER_RE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;
const ungroup = (c) => c.replace(/[-\s]/g, '');
const group = (u) => u.match(/.{4}/g).join('-');
const lookupOf = (c) => ungroup(c).slice(0, 6);
/** Symbols 7..19 of the ungrouped code: the secret the server must keep only hashed. */
const secretOf = (c) => ungroup(c).slice(6, 19);

/** Luhn mod 32 over Crockford's base32, as voucher.h says: the 20th symbol. */
function checkSymbol(body) {
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    const v = SYM.indexOf(body[i]);
    assert.ok(v >= 0, `checkSymbol: ${body[i]}`);
    const a = factor * v;
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(a / 32) + (a % 32);
  }
  return SYM[(32 - (sum % 32)) % 32];
}

/** code with the symbol at ungrouped index i changed; check symbol kept (a typo) or recomputed (well formed). */
function changeSymbol(code, i, recheck = false) {
  const u = ungroup(code).split('');
  u[i] = SYM[(SYM.indexOf(u[i]) + 7) % 32];
  let body = u.join('');
  if (recheck) body = body.slice(0, 19) + checkSymbol(body.slice(0, 19));
  return group(body);
}

/* ---- helpers ---------------------------------------------------------------------------- */

const bearer = (tok) => ({ Authorization: `Bearer ${tok}` });
const msOf = (x) => Date.parse(x);

/** sqlite3 on the live database (WAL: the server holds it open). */
function sql(db, q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' }).trim();
}
const num = (db, q) => {
  const v = sql(db, q);
  assert.match(v, /^-?\d+$/, `${q} -> ${JSON.stringify(v)}`);
  return Number(v);
};
const q = (text) => `'${String(text).replace(/'/g, "''")}'`;

/** Runs fn over items with at most n at a time; results in order. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** Asserts b is a BOOKING (the client's view) with these values where given. */
function assertBooking(b, want = {}, { ticket = true } = {}) {
  assert.ok(b && typeof b === 'object', `BOOKING is ${JSON.stringify(b)}`);
  const keys = ['ref', 'service', 'therapist', 'start', 'end', 'status', 'paid_cents', 'due_cents', 'currency'];
  if (ticket) keys.push('ticket');
  for (const k of keys) assert.ok(k in b, `BOOKING without ${k}: ${JSON.stringify(b)}`);
  for (const [k, v] of Object.entries(want)) assert.deepEqual(b[k], v, `BOOKING.${k}: ${JSON.stringify(b)}`);
}

/* ---- the tests ----------------------------------------------------------------------------- */

describe('payments against the demo clinic', () => {
  let s;		// the main server
  let other;	// a second server with its own database
  let desk; let admin; let rivera; let otherDesk;
  const codes = [];	// every voucher code either server showed: none may be kept
  const tokens = new Map();	// booking ref -> bearer token

  async function start(extraSetup) {
    let accounts;
    const srv = await startServer({
      args: ['--log-level', 'debug'],
      setup: (db) => {
        accounts = ctlDemo(db).by;
        for (const [k, v] of Object.entries({ min_notice_minutes: 0, booking_rate_per_hour: 0 })) {
          ctlOk(db, 'settings', 'set', k, String(v));
        }
        if (extraSetup) extraSetup(db);
      },
    });
    return { srv, accounts };
  }

  before(async () => {
    const [a, b] = await Promise.all([start(), start()]);
    s = a.srv;
    other = b.srv;
    desk = new StaffClient(s, a.accounts.desk);
    admin = new StaffClient(s, a.accounts.admin);
    rivera = new StaffClient(s, a.accounts.rivera);
    otherDesk = new StaffClient(other, b.accounts.desk);
    await Promise.all([desk.loginOk(), admin.loginOk(), rivera.loginOk(), otherDesk.loginOk()]);
  });
  after(async () => {
    await Promise.all([s?.stop(), other?.stop()]);
  });

  /* -- helpers bound to the main server -- */

  /** Books n bookings of service on free, mutually disjoint slots; returns [{token, booking}]. */
  async function bookMany(n, service, srv = s) {
    const out = [];
    let from = W0;
    for (let round = 0; out.length < n; round++) {
      assert.ok(round < 12, `could not book ${n} of service ${service}: ${out.length} booked`);
      const res = await request(srv, 'GET', `${API}/slots?${new URLSearchParams({ service, from: dateOf(from), days: 14 })}`);
      assert.equal(res.status, 200, `slots: ${res.status} ${res.body.slice(0, 300)}`);
      const pick = [];
      for (const sl of res.json.slots) {
        if (pick.length >= n - out.length) break;
        const a = msOf(sl.start);
        const b = msOf(sl.end);
        if (pick.some((p) => p.therapist === sl.therapist && a < p.b + 30 * 60000 && p.a < b + 30 * 60000)) continue;
        pick.push({ ...sl, a, b });
      }
      if (pick.length === 0) { from += 14; continue; }
      const made = await pool(pick, 8, (sl) => request(srv, 'POST', `${API}/bookings`,
        { json: { service, therapist: sl.therapist, start: sl.start } }));
      for (const r of made) {
        if (r.status === 409) continue;
        assert.equal(r.status, 201, `book: ${r.status} ${r.body.slice(0, 300)}`);
        assertBooking(r.json.booking, { service, status: 'booked', paid_cents: 0, due_cents: PRICE[service], currency: 'EUR' });
        tokens.set(r.json.booking.ref, r.json.token);
        out.push(r.json);
      }
    }
    return out;
  }

  /** POST /staff/vouchers as staff client c; 201 checked in full; returns the codes. */
  async function makeVouchers(c, { count = 1, value = 1000, currency = 'EUR', validDays = 30, ...more } = {}) {
    const body = { count, value_cents: value, currency, valid_days: validDays, ...more };
    const res = await c.post(`${API}/staff/vouchers`, body);
    assert.equal(res.status, 201, `vouchers ${JSON.stringify(body)}: ${res.status} ${res.body.slice(0, 300)}`);
    assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i);
    assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/, 'codes shown once may be cached');
    assert.ok(Array.isArray(res.json.vouchers), res.body);
    assert.equal(res.json.vouchers.length, count);
    const expires = dateOf(today() + validDays - 1);
    for (const v of res.json.vouchers) {
      assert.match(v.code, VOUCHER_RE, `code ${v.code}`);
      assert.equal(checkSymbol(ungroup(v.code).slice(0, 19)), ungroup(v.code)[19], `check symbol of ${v.code}`);
      assert.equal(v.value_cents, value);
      assert.equal(v.currency, currency);
      assert.equal(v.expires, expires, 'expires is not the last of valid_days days counting today');
      codes.push(v.code);
    }
    const list = res.json.vouchers.map((v) => v.code);
    assert.equal(new Set(list.map(lookupOf)).size, count, 'two codes of a batch share a lookup part');
    return list;
  }
  const voucher = async (value, more = {}) => (await makeVouchers(desk, { value, ...more }))[0];

  const redeem = (token, code, headers = {}, srv = s) => request(srv, 'POST', `${API}/booking/redeem`,
    { json: { code }, headers: { ...bearer(token), ...headers } });
  const deskRedeem = (code, ref, headers = {}, c = desk) => c.post(`${API}/staff/vouchers/redeem`,
    { code, booking: ref }, { headers });
  const pay = (body, headers = {}, c = desk) => c.post(`${API}/staff/payments`, body, { headers });

  const balance = (code, srv = s) => num(srv.db, `SELECT balance_cents FROM vouchers WHERE lookup = ${q(lookupOf(code))}`);
  const paidOf = (ref) => num(s.db, `SELECT paid_cents FROM bookings WHERE ref = ${q(ref)}`);
  const ledgerRows = () => num(s.db, 'SELECT count(*) FROM ledger');

  async function clientBooking(ref) {
    const res = await request(s, 'GET', `${API}/booking`, { headers: bearer(tokens.get(ref)) });
    assert.equal(res.status, 200, `GET /booking: ${res.status} ${res.body.slice(0, 300)}`);
    return res.json;
  }

  /** Asserts a 200 BOOKING answer of a redemption or payment with paid and due. */
  function expectPaid(res, ref, paid, due, opts) {
    assert.equal(res.status, 200, `expected 200 for ${ref}: ${res.status} ${res.body.slice(0, 300)}`);
    assertBooking(res.json, { ref, paid_cents: paid, due_cents: due, currency: 'EUR' }, opts);
  }

  /* ---- selling vouchers ---- */

  describe('POST /api/v1/staff/vouchers', () => {
    test('desk and admin make batches: 201, five groups of four symbols, a valid check symbol', async () => {
      const mine = await makeVouchers(desk, { count: 5, value: 2500, validDays: 7 });
      const theirs = await makeVouchers(admin, { count: 1, value: 10000000, validDays: 3650, tag: 'fair 2025' });
      const card = await makeVouchers(desk, { count: 2, value: 1000, method: 'card' });
      const usd = await makeVouchers(desk, { count: 1, value: 1000, currency: 'USD' });
      assert.equal(new Set([...mine, ...theirs, ...card, ...usd]).size, 9);
      for (const c of [...mine, ...theirs, ...card, ...usd]) {
        const row = sql(s.db, `SELECT value_cents, balance_cents, voided, kind FROM vouchers WHERE lookup = ${q(lookupOf(c))}`);
        assert.match(row, /^\d+\|\d+\|0\|sold$/, `voucher row of ${lookupOf(c)}: ${row}`);
      }
      assert.equal(sql(s.db, `SELECT value_cents || ' ' || balance_cents || ' ' || currency || ' ' || expires_day FROM vouchers WHERE lookup = ${q(lookupOf(theirs[0]))}`),
        `10000000 10000000 EUR ${today() + 3649}`);
      // Each voucher sold is one ledger row of its value, in the method asked (cash by default).
      const sold = sql(s.db, 'SELECT method, amount_cents, currency, count(*) FROM ledger WHERE kind = \'voucher_sold\' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3');
      assert.equal(sold, 'card|1000|EUR|2\ncash|1000|USD|1\ncash|2500|EUR|5\ncash|10000000|EUR|1');
    });

    test('count 50 is the most; bad inputs and malformed JSON -> 400, nothing made', async () => {
      const before = num(s.db, 'SELECT count(*) FROM vouchers') + num(s.db, 'SELECT count(*) FROM ledger');
      const ok = { count: 1, value_cents: 1000, currency: 'EUR', valid_days: 30 };
      const bad = [
        { ...ok, count: 0 }, { ...ok, count: 51 }, { ...ok, count: -1 }, { ...ok, count: 1.5 }, { ...ok, count: true },
        { ...ok, value_cents: 0 }, { ...ok, value_cents: -100 }, { ...ok, value_cents: 10000001 },
        { ...ok, currency: 'eur' }, { ...ok, currency: 'EURO' }, { ...ok, currency: 'EU' }, { ...ok, currency: 'E1R' },
        { ...ok, currency: '' }, { ...ok, valid_days: 0 }, { ...ok, valid_days: 3651 },
        { ...ok, method: 'bitcoin' }, { ...ok, method: 'voucher' }, { ...ok, method: 'CASH' },
        (({ count, ...r }) => r)(ok), (({ value_cents, ...r }) => r)(ok),
        (({ currency, ...r }) => r)(ok), (({ valid_days, ...r }) => r)(ok),
        '{"count": 1, "value_cents":', '[]', 'null', '', 'nope',
      ];
      for (const b of bad) {
        const res = await desk.post(`${API}/staff/vouchers`, b);
        assert.equal(res.status, 400, `POST /staff/vouchers ${JSON.stringify(b)}: ${res.status} ${res.body.slice(0, 200)}`);
        expectError(res, 400);
        assert.ok(!/"code"\s*:\s*"[0-9A-Z]{4}-/.test(res.body), `a 400 holds a code: ${res.body}`);
      }
      assert.equal(num(s.db, 'SELECT count(*) FROM vouchers') + num(s.db, 'SELECT count(*) FROM ledger'), before);
      const fifty = await makeVouchers(desk, { count: 50, value: 100 });
      assert.equal(new Set(fifty).size, 50);
    });

    test('a therapist gets 403, no session 401; nothing made', async () => {
      const before = sql(s.db, 'SELECT count(*) FROM vouchers');
      const body = { count: 1, value_cents: 1000, currency: 'EUR', valid_days: 30 };
      expectError(await rivera.post(`${API}/staff/vouchers`, body), 403);
      expectError(await request(s, 'POST', `${API}/staff/vouchers`, { json: body }), 401);
      assert.equal(sql(s.db, 'SELECT count(*) FROM vouchers'), before);
    });
  });

  /* ---- redemption by the client ---- */

  describe('POST /api/v1/booking/redeem', () => {
    test('partial: 30.00 on a 90.00 booking pays 3000, leaves 6000 due; the empty voucher is then 409 voucher_spent', async () => {
      const [{ booking: b }, { booking: b2 }] = await bookMany(2, 2);
      const v = await voucher(3000);
      const ledger0 = ledgerRows();
      const res = await redeem(tokens.get(b.ref), v);
      expectPaid(res, b.ref, 3000, 6000);
      assert.equal(res.json.ticket, b.ticket);
      assert.equal(balance(v), 0);
      assert.equal(paidOf(b.ref), 3000);
      assert.equal(ledgerRows(), ledger0 + 1);
      assert.equal(sql(s.db, `SELECT kind, method, amount_cents, currency, booking_ref FROM ledger ORDER BY id DESC LIMIT 1`),
        `voucher_redeemed|voucher|3000|EUR|${b.ref}`);
      assert.deepEqual(await clientBooking(b.ref), res.json);
      // Spent: on the same booking and on another one, by the client and by the desk.
      expectError(await redeem(tokens.get(b.ref), v), 409, 'voucher_spent');
      expectError(await redeem(tokens.get(b2.ref), v), 409, 'voucher_spent');
      expectError(await deskRedeem(v, b2.ref), 409, 'voucher_spent');
      assert.equal(paidOf(b.ref), 3000);
      assert.equal(paidOf(b2.ref), 0);
      assert.equal(ledgerRows(), ledger0 + 1);
    });

    test('several vouchers pay one booking; case, spaces, dashes, O for 0, I and L for 1 are forgiven', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      // One code with a 0 or a 1 in it, to spell it with O, I or L.
      const batch = await makeVouchers(desk, { count: 12, value: 1000 });
      const withDigit = batch.find((c) => /[01]/.test(c));
      assert.ok(withDigit, 'no code of 12 has a 0 or a 1');
      const rest = batch.filter((c) => c !== withDigit);
      let n = 0;
      const spellings = [
        rest[0].toLowerCase(),
        `  ${rest[1].replace(/-/g, ' ')}  `,
        ungroup(rest[2]).split('').map((ch, i) => (i % 2 ? ch.toLowerCase() : ch)).join(''),
        rest[3].replace(/-/g, '--').replace(/^/, '-'),
        `${ungroup(rest[4]).slice(0, 10)}\t${ungroup(rest[4]).slice(10)}`,
        withDigit.replace(/0/g, 'o').replace(/1/g, () => (n++ % 2 ? 'I' : 'l')),
      ];
      let paid = 0;
      for (const sp of spellings) {
        const res = await redeem(tokens.get(b.ref), sp);
        paid += 1000;
        expectPaid(res, b.ref, paid, 9000 - paid);
      }
      for (const c of [...rest.slice(0, 5), withDigit]) assert.equal(balance(c), 0, `balance of ${lookupOf(c)}`);
      assert.equal(paidOf(b.ref), 6000);
      assert.equal(num(s.db, `SELECT count(*) FROM ledger WHERE kind = 'voucher_redeemed' AND booking_ref = ${q(b.ref)}`), 6);
    });

    test('a voucher larger than what is due pays it all and keeps the rest for another booking', async () => {
      const [{ booking: b1 }, { booking: b2 }] = await bookMany(2, 1);
      const v = await voucher(10000);
      expectPaid(await redeem(tokens.get(b1.ref), v), b1.ref, 4000, 0);
      assert.equal(balance(v), 6000);
      expectPaid(await redeem(tokens.get(b2.ref), v), b2.ref, 4000, 0);
      assert.equal(balance(v), 2000);
      // Nothing due: the voucher is left as it was.
      expectError(await redeem(tokens.get(b1.ref), v), 409, 'nothing_due');
      expectError(await deskRedeem(v, b2.ref), 409, 'nothing_due');
      assert.equal(balance(v), 2000);
      const [{ booking: b3 }] = await bookMany(1, 2);
      expectPaid(await redeem(tokens.get(b3.ref), v), b3.ref, 2000, 7000);
      assert.equal(balance(v), 0);
      assert.equal(sql(s.db, `SELECT group_concat(amount_cents, ',') FROM (SELECT amount_cents FROM ledger WHERE kind = 'voucher_redeemed' AND voucher_id = (SELECT id FROM vouchers WHERE lookup = ${q(lookupOf(v))}) ORDER BY id)`),
        '4000,4000,2000');
    });

    test('typo 400 voucher_typo, malformed 400 malformed_voucher, unknown 404, wrong token 401; no money moves', async () => {
      const [{ booking: b }] = await bookMany(1, 1);
      const tok = tokens.get(b.ref);
      const v = await voucher(1500);
      const foreign = (await makeVouchers(otherDesk, { count: 1, value: 1500 }))[0];
      const ledger0 = ledgerRows();
      for (const i of [0, 5, 6, 12, 18, 19]) {
        const typo = changeSymbol(v, i);
        assert.notEqual(checkSymbol(ungroup(typo).slice(0, 19)), ungroup(typo)[19]);
        expectError(await redeem(tok, typo), 400, 'voucher_typo');
      }
      // Two neighbours swapped (when they differ) is a typo too.
      const u = ungroup(v);
      const k = [...Array(18).keys()].find((i) => u[i] !== u[i + 1]);
      const swapped = u.slice(0, k) + u[k + 1] + u[k] + u.slice(k + 2);
      if (checkSymbol(swapped.slice(0, 19)) !== swapped[19]) expectError(await redeem(tok, group(swapped)), 400, 'voucher_typo');
      const malformed = [ungroup(v).slice(0, 19), `${v}-A`, `${ungroup(v)}0`, v.replace(/^./, 'U'), v.replace(/^./, '!'),
        `${v.slice(0, 5)}_${v.slice(6)}`, 'hello', '-', ' ', 'x'.repeat(200), `${v}\u00e9`];
      for (const m of malformed) expectError(await redeem(tok, m), 400, 'malformed_voucher');
      for (const body of [{}, { code: '' }, { code: 5 }, { code: null }, { code: [v] }]) {
        expectError(await request(s, 'POST', `${API}/booking/redeem`, { json: body, headers: bearer(tok) }), 400);
      }
      expectError(await request(s, 'POST', `${API}/booking/redeem`,
        { body: '{"code": ', headers: { ...bearer(tok), 'Content-Type': 'application/json' } }), 400);
      // Unknown but well formed: another lookup part, another secret, another server's code.
      const otherLookup = changeSymbol(v, 2, true);
      const otherSecret = changeSymbol(v, 10, true);
      assert.match(otherLookup, VOUCHER_RE);
      for (const c of [otherLookup, otherSecret, foreign]) expectError(await redeem(tok, c), 404, 'unknown_voucher');
      // The token is checked: wrong, malformed or missing -> 401.
      const wrongTok = tok.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
      expectError(await redeem(wrongTok, v), 401);
      expectError(await request(s, 'POST', `${API}/booking/redeem`, { json: { code: v } }), 401);
      expectError(await request(s, 'POST', `${API}/booking/redeem`, { json: { code: v }, headers: { Authorization: 'Bearer nope' } }), 401);
      assert.equal(ledgerRows(), ledger0);
      assert.equal(balance(v), 1500);
      assert.equal(paidOf(b.ref), 0);
      // And the right code still works after all that.
      expectPaid(await redeem(tok, v), b.ref, 1500, 2500);
    });

    test('another currency -> 409 currency_mismatch; a cancelled booking -> 409 not_payable', async () => {
      const [{ booking: b }, { booking: c }] = await bookMany(2, 1);
      const usd = await voucher(1000, { currency: 'USD' });
      expectError(await redeem(tokens.get(b.ref), usd), 409, 'currency_mismatch');
      expectError(await deskRedeem(usd, b.ref), 409, 'currency_mismatch');
      assert.equal(balance(usd), 1000);
      const cancel = await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(tokens.get(c.ref)) });
      assert.equal(cancel.status, 200, cancel.body);
      const v = await voucher(1000);
      expectError(await redeem(tokens.get(c.ref), v), 409, 'not_payable');
      expectError(await deskRedeem(v, c.ref), 409, 'not_payable');
      assert.equal(balance(v), 1000);
      assert.equal(paidOf(c.ref), 0);
    });

    test('expired (expires_day moved back in the database) -> 410 voucher_expired; the day before still pays', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      const [v, w] = await makeVouchers(desk, { count: 2, value: 1000, validDays: 1 });
      // valid_days 1: valid through today.
      assert.equal(num(s.db, `SELECT expires_day FROM vouchers WHERE lookup = ${q(lookupOf(v))}`), today());
      expectPaid(await redeem(tokens.get(b.ref), w), b.ref, 1000, 8000);
      sql(s.db, `UPDATE vouchers SET expires_day = expires_day - 1 WHERE lookup = ${q(lookupOf(v))}`);
      expectError(await redeem(tokens.get(b.ref), v), 410, 'voucher_expired');
      expectError(await deskRedeem(v, b.ref), 410, 'voucher_expired');
      assert.equal(balance(v), 1000);
      assert.equal(paidOf(b.ref), 1000);
    });

    test('voided -> 410 voucher_voided (voided in the database: there is no void route or command yet)', async () => {
      const [{ booking: b }] = await bookMany(1, 1);
      const v = await voucher(1200);
      // What store_voucher_void() does, plus its ledger row, so that the books still add up.
      sql(s.db, `BEGIN; INSERT INTO ledger (day, kind, method, amount_cents, currency, voucher_id, staff_id) `
        + `SELECT ${today()}, 'voucher_voided', NULL, balance_cents, currency, id, NULL FROM vouchers WHERE lookup = ${q(lookupOf(v))}; `
        + `UPDATE vouchers SET voided = 1, balance_cents = 0 WHERE lookup = ${q(lookupOf(v))}; COMMIT;`);
      expectError(await redeem(tokens.get(b.ref), v), 410, 'voucher_voided');
      expectError(await deskRedeem(v, b.ref), 410, 'voucher_voided');
      assert.equal(paidOf(b.ref), 0);
    });
  });

  /* ---- redemption at the desk ---- */

  describe('POST /api/v1/staff/vouchers/redeem', () => {
    test('the desk and the admin redeem by booking reference; the answer is the booking without its ticket', async () => {
      const [{ booking: b }] = await bookMany(1, 3);
      const [v1, v2] = await makeVouchers(desk, { count: 2, value: 5000 });
      const r1 = await deskRedeem(v1.toLowerCase().replace(/-/g, ' '), b.ref);
      expectPaid(r1, b.ref, 5000, 9000, { ticket: false });
      const r2 = await deskRedeem(v2, b.ref, {}, admin);
      expectPaid(r2, b.ref, 10000, 4000, { ticket: false });
      assert.equal(sql(s.db, `SELECT group_concat(coalesce(staff_id, 0), ',') FROM (SELECT staff_id FROM ledger WHERE kind = 'voucher_redeemed' AND booking_ref = ${q(b.ref)} ORDER BY id)`),
        `${desk.account.id},${admin.account.id}`);
      const c = await clientBooking(b.ref);
      assert.equal(c.paid_cents, 10000);
      assert.equal(c.due_cents, 4000);
      // The staff never see the client's ticket (as in the calendar and the payments answer).
      assert.ok(!('ticket' in r1.json), `POST /staff/vouchers/redeem shows the desk the client's ticket: ${r1.body}`);
    });

    test('same errors as the client: typo, malformed, unknown, spent, nothing due; unknown booking 404; therapist 403', async () => {
      const [{ booking: b }, { booking: paidUp }] = await bookMany(2, 1);
      const [v, e] = await makeVouchers(desk, { count: 2, value: 1000 });
      const foreign = (await makeVouchers(otherDesk, { count: 1, value: 1000 }))[0];
      const ledger0 = ledgerRows();
      expectError(await deskRedeem(changeSymbol(v, 9), b.ref), 400, 'voucher_typo');
      expectError(await deskRedeem(ungroup(v).slice(1), b.ref), 400, 'malformed_voucher');
      expectError(await deskRedeem(foreign, b.ref), 404, 'unknown_voucher');
      expectError(await deskRedeem(changeSymbol(v, 15, true), b.ref), 404, 'unknown_voucher');
      expectError(await deskRedeem(v, 'NOSUCHREF'), 404);
      expectError(await desk.post(`${API}/staff/vouchers/redeem`, { code: v }), 400);
      expectError(await desk.post(`${API}/staff/vouchers/redeem`, { booking: b.ref }), 400);
      expectError(await desk.post(`${API}/staff/vouchers/redeem`, '{"code": "'), 400);
      expectError(await rivera.post(`${API}/staff/vouchers/redeem`, { code: v, booking: b.ref }), 403);
      assert.equal(ledgerRows(), ledger0);
      assert.equal(balance(v), 1000);
      expectPaid(await pay({ booking: paidUp.ref, method: 'card', amount_cents: 4000 }), paidUp.ref, 4000, 0, { ticket: false });
      expectError(await deskRedeem(v, paidUp.ref), 409, 'nothing_due');
      expectPaid(await deskRedeem(v, b.ref), b.ref, 1000, 3000, { ticket: false });
      expectError(await deskRedeem(v, b.ref), 409, 'voucher_spent');
      sql(s.db, `UPDATE vouchers SET expires_day = ${today() - 1} WHERE lookup = ${q(lookupOf(e))}`);
      expectError(await deskRedeem(e, b.ref), 410, 'voucher_expired');
      assert.equal(paidOf(b.ref), 1000);
    });
  });

  /* ---- idempotency ---- */

  describe('Idempotency-Key', () => {
    test('client redeem: the same key gets the same answer and moves no money; another key is a new redemption', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      const [v1, v2] = await makeVouchers(desk, { count: 2, value: 3000 });
      const tok = tokens.get(b.ref);
      const key = `redeem-${Date.now()}`;
      const first = await redeem(tok, v1, { 'Idempotency-Key': key });
      expectPaid(first, b.ref, 3000, 6000);
      const ledger0 = ledgerRows();
      for (let i = 0; i < 3; i++) {
        const again = await redeem(tok, v1, { 'Idempotency-Key': key });
        assert.equal(again.status, 200, `retry ${i}: ${again.status} ${again.body}`);
        assert.deepEqual(again.json, first.json);
        assert.equal(again.headers['idempotent-replayed'], 'true');
      }
      assert.equal(balance(v1), 0);
      assert.equal(paidOf(b.ref), 3000);
      assert.equal(ledgerRows(), ledger0);
      // A new key is a new redemption (v1 is spent, v2 is not).
      expectError(await redeem(tok, v1, { 'Idempotency-Key': `${key}-2` }), 409, 'voucher_spent');
      const second = await redeem(tok, v2, { 'Idempotency-Key': `${key}-3` });
      expectPaid(second, b.ref, 6000, 3000);
      assert.equal(second.headers['idempotent-replayed'], undefined);
      assert.equal(balance(v2), 0);
      assert.equal(ledgerRows(), ledger0 + 1);
      // An unusable key is refused before anything happens.
      expectError(await redeem(tok, v2, { 'Idempotency-Key': 'k'.repeat(129) }), 400);
    });

    test('desk redeem: the same key retried is not applied twice', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      const v = await voucher(10000);
      const key = `desk-redeem-${Date.now()}`;
      const first = await deskRedeem(v, b.ref, { 'Idempotency-Key': key });
      expectPaid(first, b.ref, 9000, 0, { ticket: false });
      const again = await deskRedeem(v, b.ref, { 'Idempotency-Key': key });
      assert.equal(again.status, 200, again.body);
      assert.deepEqual(again.json, first.json);
      assert.equal(balance(v), 1000);
      assert.equal(paidOf(b.ref), 9000);
    });

    test('desk payment: the same key retried is not applied twice; another key or another booking is new', async () => {
      const [{ booking: b }, { booking: b2 }] = await bookMany(2, 2);
      const key = `pay-${Date.now()}`;
      const body = { booking: b.ref, method: 'cash', amount_cents: 1000, tendered_cents: 2000 };
      const first = await pay(body, { 'Idempotency-Key': key });
      expectPaid(first, b.ref, 1000, 8000, { ticket: false });
      assert.equal(first.json.change_cents, 1000);
      const ledger0 = ledgerRows();
      for (let i = 0; i < 3; i++) {
        const again = await pay(body, { 'Idempotency-Key': key });
        assert.equal(again.status, 200, again.body);
        assert.deepEqual(again.json, first.json);
      }
      assert.equal(paidOf(b.ref), 1000);
      assert.equal(ledgerRows(), ledger0);
      expectPaid(await pay(body, { 'Idempotency-Key': `${key}-b` }), b.ref, 2000, 7000, { ticket: false });
      expectPaid(await pay({ ...body, booking: b2.ref }, { 'Idempotency-Key': key }), b2.ref, 1000, 8000, { ticket: false });
      assert.equal(paidOf(b.ref), 2000);
      assert.equal(paidOf(b2.ref), 1000);
      assert.equal(ledgerRows(), ledger0 + 2);
    });

    test('the same key sent at once: money moves once, every answer is the first one (or a 409), never a 500', async () => {
      // Desk payments: 8 bookings, 16 requests with one key on each at once.
      const bs = (await bookMany(9, 2)).map((x) => x.booking);
      const statuses = [];
      for (const b of bs.slice(0, 8)) {
        const key = `burst-${b.ref}`;
        const res = await Promise.all(Array.from({ length: 16 },
          () => pay({ booking: b.ref, method: 'card', amount_cents: 500 }, { 'Idempotency-Key': key })));
        assert.equal(paidOf(b.ref), 500, `a payment sent 16 times at once with one key was applied ${paidOf(b.ref) / 500} times`);
        assert.equal(num(s.db, `SELECT count(*) FROM ledger WHERE booking_ref = ${q(b.ref)}`), 1);
        const ok = res.filter((r) => r.status === 200);
        for (const r of ok) assert.deepEqual(r.json, ok[0].json);
        for (const r of ok) assert.equal(r.json.paid_cents, 500);
        statuses.push(...res.map((r) => `${r.status} ${r.json?.error?.code ?? ''}`.trim()));
      }
      // Client redemptions: 6 at once with one key.
      const c = bs[8];
      const v = await voucher(2000);
      const rres = await Promise.all(Array.from({ length: 6 }, () => redeem(tokens.get(c.ref), v, { 'Idempotency-Key': `burst-${c.ref}` })));
      assert.equal(paidOf(c.ref), 2000, 'a redemption retried at once was applied twice');
      assert.equal(balance(v), 0);
      const rok = rres.filter((r) => r.status === 200);
      assert.ok(rok.length >= 1);
      for (const r of rok) assert.deepEqual(r.json, rok[0].json);
      statuses.push(...rres.map((r) => `${r.status} ${r.json?.error?.code ?? ''}`.trim()));
      const tally = {};
      for (const x of statuses) tally[x] = (tally[x] ?? 0) + 1;
      assert.ok(statuses.every((x) => x === '200' || x.startsWith('409')),
        `concurrent requests with one Idempotency-Key got ${JSON.stringify(tally)}`);
    });
  });

  /* ---- races ---- */

  describe('concurrency', () => {
    test('20 concurrent redemptions of one voucher on 20 bookings: exactly one 200, 19 x 409 voucher_spent', async () => {
      const bs = (await bookMany(20, 1)).map((x) => x.booking);
      const v = await voucher(PRICE[1]);
      const res = await Promise.all(bs.map((b, i) => (i % 2 ? deskRedeem(v, b.ref) : redeem(tokens.get(b.ref), v))));
      const ok = res.map((r, i) => [r, bs[i]]).filter(([r]) => r.status === 200);
      assert.equal(ok.length, 1, `statuses: ${res.map((r) => r.status).join(',')}`);
      expectPaid(ok[0][0], ok[0][1].ref, 4000, 0, { ticket: !!ok[0][0].json.ticket });
      for (const r of res) if (r.status !== 200) expectError(r, 409, 'voucher_spent');
      assert.equal(balance(v), 0);
      assert.equal(num(s.db, `SELECT sum(paid_cents) FROM bookings WHERE ref IN (${bs.map((b) => q(b.ref)).join(',')})`), 4000);
      assert.equal(sql(s.db, `SELECT count(*) || ' ' || sum(amount_cents) FROM ledger WHERE kind = 'voucher_redeemed' AND voucher_id = (SELECT id FROM vouchers WHERE lookup = ${q(lookupOf(v))})`), '1 4000');
    });

    test('concurrent partial redemptions of 100.00 on ten 40.00 bookings never overdraw: 4000 + 4000 + 2000', async () => {
      const bs = (await bookMany(10, 1)).map((x) => x.booking);
      const v = await voucher(10000);
      const res = await Promise.all(bs.map((b, i) => (i % 2 ? redeem(tokens.get(b.ref), v) : deskRedeem(v, b.ref))));
      const ok = res.filter((r) => r.status === 200);
      assert.equal(ok.length, 3, `statuses: ${res.map((r) => r.status).join(',')}`);
      assert.deepEqual(ok.map((r) => r.json.paid_cents).sort(), [2000, 4000, 4000]);
      for (const r of res) if (r.status !== 200) expectError(r, 409, 'voucher_spent');
      assert.equal(balance(v), 0);
      const paid = bs.map((b) => paidOf(b.ref));
      assert.equal(paid.reduce((a, x) => a + x, 0), 10000);
      assert.deepEqual(paid.filter((x) => x > 0).sort(), [2000, 4000, 4000]);
      assert.equal(num(s.db, `SELECT sum(amount_cents) FROM ledger WHERE kind = 'voucher_redeemed' AND voucher_id = (SELECT id FROM vouchers WHERE lookup = ${q(lookupOf(v))})`), 10000);
      assert.equal(num(s.db, 'SELECT count(*) FROM vouchers WHERE balance_cents < 0 OR balance_cents > value_cents'), 0);
    });

    test('five 30.00 vouchers at once on one 90.00 booking: three pay, two get 409 nothing_due, never overpaid', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      const vs = await makeVouchers(desk, { count: 5, value: 3000 });
      const res = await Promise.all(vs.map((v, i) => (i % 2 ? redeem(tokens.get(b.ref), v) : deskRedeem(v, b.ref))));
      assert.equal(res.filter((r) => r.status === 200).length, 3, `statuses: ${res.map((r) => r.status).join(',')}`);
      for (const r of res) if (r.status !== 200) expectError(r, 409, 'nothing_due');
      assert.equal(paidOf(b.ref), 9000);
      assert.equal(vs.map((v) => balance(v)).sort().join(','), '0,0,0,3000,3000');
    });

    test('five 30.00 cash payments at once on one 90.00 booking: three are taken, two get 409 nothing_due', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      const res = await Promise.all(Array.from({ length: 5 }, () => pay({ booking: b.ref, method: 'cash', amount_cents: 3000 })));
      assert.equal(res.filter((r) => r.status === 200).length, 3, `statuses: ${res.map((r) => r.status).join(',')}`);
      for (const r of res) if (r.status !== 200) expectError(r, 409, 'nothing_due');
      assert.equal(paidOf(b.ref), 9000);
      assert.equal(num(s.db, `SELECT sum(amount_cents) FROM ledger WHERE kind = 'payment' AND booking_ref = ${q(b.ref)}`), 9000);
    });
  });

  /* ---- cash and card at the desk ---- */

  describe('POST /api/v1/staff/payments', () => {
    test('cash with change, card; paid and due follow; one ledger row each with method, amount, staff', async () => {
      const [{ booking: b }] = await bookMany(1, 3);
      const ledger0 = ledgerRows();
      const r1 = await pay({ booking: b.ref, method: 'cash', amount_cents: 5000, tendered_cents: 10000 });
      expectPaid(r1, b.ref, 5000, 9000, { ticket: false });
      assert.equal(r1.json.change_cents, 5000);
      const r2 = await pay({ booking: b.ref, method: 'cash', amount_cents: 2000, tendered_cents: 2000 });
      expectPaid(r2, b.ref, 7000, 7000, { ticket: false });
      assert.equal(r2.json.change_cents, 0);
      const r3 = await pay({ booking: b.ref, method: 'card', amount_cents: 6999 }, {}, admin);
      expectPaid(r3, b.ref, 13999, 1, { ticket: false });
      assert.ok(!('change_cents' in r3.json), r3.body);
      assert.ok(!('ticket' in r1.json), r1.body);
      // More than is due -> 400 bad_amount; nothing taken.
      expectError(await pay({ booking: b.ref, method: 'card', amount_cents: 2 }), 400, 'bad_amount');
      expectPaid(await pay({ booking: b.ref, method: 'cash', amount_cents: 1, tendered_cents: 5 }), b.ref, 14000, 0, { ticket: false });
      expectError(await pay({ booking: b.ref, method: 'cash', amount_cents: 1 }), 409, 'nothing_due');
      assert.equal(ledgerRows(), ledger0 + 4);
      assert.equal(sql(s.db, `SELECT group_concat(kind || ':' || method || ':' || amount_cents || ':' || currency || ':' || staff_id, ',') FROM (SELECT * FROM ledger WHERE booking_ref = ${q(b.ref)} ORDER BY id)`),
        [`payment:cash:5000:EUR:${desk.account.id}`, `payment:cash:2000:EUR:${desk.account.id}`,
          `payment:card:6999:EUR:${admin.account.id}`, `payment:cash:1:EUR:${desk.account.id}`].join(','));
      const c = await clientBooking(b.ref);
      assert.equal(c.paid_cents, 14000);
      assert.equal(c.due_cents, 0);
    });

    test('bad input -> 400; a cancelled booking 409 not_payable; unknown booking 404; therapist 403; nothing taken', async () => {
      const [{ booking: b }, { booking: c }] = await bookMany(2, 1);
      const ledger0 = ledgerRows();
      const ok = { booking: b.ref, method: 'cash', amount_cents: 1000 };
      const bad = [
        { ...ok, method: 'bitcoin' }, { ...ok, method: 'voucher' }, { ...ok, method: 'CASH' }, { ...ok, method: '' },
        { ...ok, amount_cents: 0 }, { ...ok, amount_cents: -5 }, { ...ok, amount_cents: false }, { ...ok, amount_cents: 10.5 },
        { ...ok, tendered_cents: 999 }, { ...ok, method: 'card', tendered_cents: 2000 },
        (({ method, ...r }) => r)(ok), (({ amount_cents, ...r }) => r)(ok), (({ booking, ...r }) => r)(ok),
        '{"booking":', '[]', '',
      ];
      for (const x of bad) {
        const res = await pay(x);
        assert.equal(res.status, 400, `POST /staff/payments ${JSON.stringify(x)}: ${res.status} ${res.body.slice(0, 200)}`);
        expectError(res, 400);
      }
      expectError(await pay({ ...ok, amount_cents: 4001 }), 400, 'bad_amount');
      expectError(await pay({ ...ok, booking: 'NOSUCHREF' }), 404);
      expectError(await rivera.post(`${API}/staff/payments`, ok), 403);
      expectError(await request(s, 'POST', `${API}/staff/payments`, { json: ok }), 401);
      const cancel = await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(tokens.get(c.ref)) });
      assert.equal(cancel.status, 200, cancel.body);
      expectError(await pay({ ...ok, booking: c.ref }), 409, 'not_payable');
      assert.equal(ledgerRows(), ledger0);
      assert.equal(paidOf(b.ref), 0);
      assert.equal(paidOf(c.ref), 0);
    });
  });

  /* ---- cancellation ---- */

  describe('cancellation and the credit voucher', () => {
    test('a voucher-paid booking cancelled by the client: cancelled, paid 0, a credit voucher worth what vouchers paid that pays another booking', async () => {
      const [{ booking: b }, { booking: next }] = await bookMany(2, 2);
      const [v1, v2] = await makeVouchers(desk, { count: 2, value: 5000 });
      expectPaid(await redeem(tokens.get(b.ref), v1), b.ref, 5000, 4000);
      expectPaid(await deskRedeem(v2, b.ref), b.ref, 9000, 0, { ticket: false });
      assert.equal(balance(v2), 1000);
      const res = await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(tokens.get(b.ref)) });
      assert.equal(res.status, 200, res.body);
      assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/, 'the answer with the credit code may be cached');
      assertBooking(res.json, { ref: b.ref, status: 'cancelled', paid_cents: 0, due_cents: 0 });
      const credit = res.json.credit_voucher;
      assert.match(credit, VOUCHER_RE, `credit_voucher ${credit}`);
      codes.push(credit);
      assert.equal(checkSymbol(ungroup(credit).slice(0, 19)), ungroup(credit)[19]);
      assert.equal(res.json.credit_voucher_cents, 9000);
      assert.equal(res.json.credit_voucher_expires, dateOf(today() + 365));
      assert.equal(sql(s.db, `SELECT kind || ' ' || value_cents || ' ' || balance_cents || ' ' || currency FROM vouchers WHERE lookup = ${q(lookupOf(credit))}`),
        'credit 9000 9000 EUR');
      assert.equal(sql(s.db, `SELECT status || ' ' || paid_cents || ' ' || voucher_paid_cents FROM bookings WHERE ref = ${q(b.ref)}`), 'cancelled 0 0');
      assert.equal(sql(s.db, `SELECT kind || ' ' || amount_cents FROM ledger WHERE booking_ref = ${q(b.ref)} ORDER BY id DESC LIMIT 1`), 'credit_issued 9000');
      // Shown once: the booking read again has no code.
      const again = await clientBooking(b.ref);
      assert.equal(again.status, 'cancelled');
      assert.ok(!('credit_voucher' in again), `GET /booking shows the credit code again: ${JSON.stringify(again)}`);
      // The credit pays another booking.
      expectPaid(await redeem(tokens.get(next.ref), credit), next.ref, 9000, 0);
      assert.equal(balance(credit), 0);
      // The old voucher's rest is still good.
      assert.equal(balance(v2), 1000);
    });

    test('paid partly by voucher, partly cash: the credit is the voucher part, the cash stays paid', async () => {
      const [{ booking: b }] = await bookMany(1, 2);
      const v = await voucher(3000);
      expectPaid(await redeem(tokens.get(b.ref), v), b.ref, 3000, 6000);
      expectPaid(await pay({ booking: b.ref, method: 'cash', amount_cents: 2000 }), b.ref, 5000, 4000, { ticket: false });
      const res = await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(tokens.get(b.ref)) });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.status, 'cancelled');
      codes.push(res.json.credit_voucher);
      assert.match(res.json.credit_voucher, VOUCHER_RE);
      assert.equal(res.json.credit_voucher_cents, 3000);
      assert.equal(res.json.paid_cents, 2000);
      assert.equal(balance(res.json.credit_voucher), 3000);
    });

    test('a booking paid only in cash gets no credit voucher', async () => {
      const [{ booking: b }, { booking: u }] = await bookMany(2, 1);
      expectPaid(await pay({ booking: b.ref, method: 'cash', amount_cents: 4000 }), b.ref, 4000, 0, { ticket: false });
      const vouchers0 = num(s.db, 'SELECT count(*) FROM vouchers');
      for (const x of [b, u]) {
        const res = await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(tokens.get(x.ref)) });
        assert.equal(res.status, 200, res.body);
        assert.equal(res.json.status, 'cancelled');
        assert.ok(!('credit_voucher' in res.json), `a credit voucher for a booking no voucher paid: ${res.body}`);
      }
      assert.equal(num(s.db, 'SELECT count(*) FROM vouchers'), vouchers0);
      assert.equal(num(s.db, `SELECT count(*) FROM ledger WHERE kind = 'credit_issued' AND booking_ref IN (${q(b.ref)}, ${q(u.ref)})`), 0);
    });
  });

  /* ---- guessing ---- */

  describe('the practice cancels: a credit only the client\'s code opens', () => {
    test('vouchers come back as a credit shown once to the client; the desk chooses for cash', async () => {
      const [one, two, three] = await bookMany(3, 2);
      // one: paid by voucher only. The practice cancels with a reason.
      const code = await voucher(PRICE[2]);
      expectPaid(await redeem(one.token, code), one.booking.ref, PRICE[2], 0);
      const c1 = await rivera.post(`${API}/staff/cancel`, { booking: one.booking.ref, reason: 'The therapist is ill' });
      assert.equal(c1.status, 200, c1.body);
      assert.equal(c1.json.status, 'cancelled');
      assert.equal(c1.json.cancelled_by, 'practice');
      assert.equal(c1.json.paid_cents, 0);
      assert.equal(c1.json.credit_voucher, undefined, 'staff must not see the client\'s credit code');
      // The credit waits sealed: the database holds no readable code.
      assert.equal(num(s.db, `SELECT length(credit_box) > 40 FROM bookings WHERE ref = ${q(one.booking.ref)}`), 1);
      // The client sees it once, with the reason.
      const seen = await clientBooking(one.booking.ref);
      assert.equal(seen.status, 'cancelled');
      assert.equal(seen.cancel_reason, 'The therapist is ill');
      assert.match(seen.credit_voucher ?? '', VOUCHER_RE);
      codes.push(seen.credit_voucher);
      assert.equal((await clientBooking(one.booking.ref)).credit_voucher, undefined, 'shown twice');
      assert.equal(num(s.db, `SELECT credit_box IS NULL FROM bookings WHERE ref = ${q(one.booking.ref)}`), 1);
      // It is worth what the voucher paid and pays another booking.
      expectPaid(await redeem(two.token, seen.credit_voucher), two.booking.ref, PRICE[2], 0);

      // three: part voucher, part cash; the desk gives the cash back.
      const part = await voucher(3000);
      expectPaid(await redeem(three.token, part), three.booking.ref, 3000, PRICE[2] - 3000);
      expectPaid(await pay({ booking: three.booking.ref, method: 'cash', amount_cents: 2000 }), three.booking.ref, 5000, PRICE[2] - 5000, { ticket: false });
      const refundsBefore = num(s.db, "SELECT count(*) FROM ledger WHERE kind = 'refund'");
      const c3 = await desk.post(`${API}/staff/cancel`, { booking: three.booking.ref, refund: 'desk' });
      assert.equal(c3.status, 200, c3.body);
      assert.equal(num(s.db, "SELECT count(*) FROM ledger WHERE kind = 'refund'"), refundsBefore + 1);
      assert.equal(num(s.db, `SELECT amount_cents FROM ledger WHERE kind = 'refund' AND booking_ref = ${q(three.booking.ref)}`), 2000);
      const credit3 = (await clientBooking(three.booking.ref)).credit_voucher;
      assert.match(credit3 ?? '', VOUCHER_RE);
      codes.push(credit3);
      assert.equal(balance(credit3), 3000, 'the credit covers the voucher part only');
      // A bad refund choice is refused and changes nothing.
      expectError(await desk.post(`${API}/staff/cancel`, { booking: two.booking.ref, refund: 'bitcoin' }), 400);
      assert.equal((await clientBooking(two.booking.ref)).status, 'booked');
    });
  });

  describe('guessing voucher codes (on the other server)', () => {
    test('30 unknown codes from one address, then 429 with Retry-After, even for a good code', async () => {
      const [{ booking: b, token }] = await bookMany(1, 1, other);
      const good = (await makeVouchers(otherDesk, { count: 1, value: 500 }))[0];
      for (let i = 0; i < 30; i++) {
        expectError(await redeem(token, changeSymbol(good, i % 6, true), {}, other), 404, 'unknown_voucher');
      }
      const res = await redeem(token, good, {}, other);
      expectError(res, 429);
      assert.match(res.headers['retry-after'] ?? '', /^\d+$/);
      assert.equal(balance(good, other), 500);
      assert.equal(num(other.db, `SELECT paid_cents FROM bookings WHERE ref = ${q(b.ref)}`), 0);
    });
  });

  /* ---- the books ---- */

  describe('the ledger and privacy (after all of the above)', () => {
    test('the ledger adds up with voucher balances and booking payments, in total and one by one', () => {
      const k = Object.fromEntries(sql(s.db, 'SELECT kind, sum(amount_cents) FROM ledger GROUP BY kind')
        .split('\n').filter(Boolean).map((l) => { const [kind, n] = l.split('|'); return [kind, Number(n)]; }));
      const g = (x) => k[x] ?? 0;
      assert.ok(g('voucher_sold') > 0 && g('voucher_redeemed') > 0 && g('payment') > 0 && g('credit_issued') > 0,
        `the tests above made too little money move: ${JSON.stringify(k)}`);
      const balances = num(s.db, 'SELECT sum(balance_cents) FROM vouchers');
      assert.equal(balances,
        g('voucher_sold') + g('credit_issued') - g('voucher_redeemed') - g('voucher_expired') - g('voucher_voided'),
        `voucher balances vs ledger ${JSON.stringify(k)}`);
      const paid = num(s.db, 'SELECT sum(paid_cents) FROM bookings');
      assert.equal(paid, g('voucher_redeemed') + g('payment') - g('refund') - g('credit_issued'),
        `booking payments vs ledger ${JSON.stringify(k)}`);
      // Per voucher: balance = what it was sold or issued for - what left it.
      const perVoucher = sql(s.db, `SELECT v.lookup, v.balance_cents, coalesce((SELECT sum(CASE WHEN l.kind IN ('voucher_sold', 'credit_issued') THEN l.amount_cents ELSE -l.amount_cents END) FROM ledger l WHERE l.voucher_id = v.id), 0) FROM vouchers v`);
      for (const line of perVoucher.split('\n')) {
        const [lookup, bal, led] = line.split('|');
        assert.equal(Number(bal), Number(led), `voucher ${lookup}: balance ${bal}, ledger ${led}`);
      }
      // Per booking: paid = redeemed + payments - refunds - credit; voucher_paid = redeemed - credit.
      const perBooking = sql(s.db, `SELECT b.ref, b.paid_cents, b.voucher_paid_cents, `
        + `coalesce((SELECT sum(CASE WHEN l.kind IN ('voucher_redeemed', 'payment') THEN l.amount_cents WHEN l.kind IN ('refund', 'credit_issued') THEN -l.amount_cents ELSE 0 END) FROM ledger l WHERE l.booking_ref = b.ref), 0), `
        + `coalesce((SELECT sum(CASE l.kind WHEN 'voucher_redeemed' THEN l.amount_cents WHEN 'credit_issued' THEN -l.amount_cents ELSE 0 END) FROM ledger l WHERE l.booking_ref = b.ref), 0) FROM bookings b`);
      for (const line of perBooking.split('\n')) {
        const [ref, p, vp, led, vled] = line.split('|');
        assert.equal(Number(p), Number(led), `booking ${ref}: paid ${p}, ledger ${led}`);
        assert.equal(Number(vp), Number(vled), `booking ${ref}: voucher_paid ${vp}, ledger ${vled}`);
      }
      assert.equal(num(s.db, 'SELECT count(*) FROM bookings WHERE paid_cents > price_cents'), 0, 'a booking is overpaid');
    });

    test('the ledger is append-only: UPDATE and DELETE fail, INSERT alone is allowed by the schema', () => {
      const before = sql(s.db, 'SELECT group_concat(id || kind || amount_cents, \',\') FROM ledger');
      // The one change allowed is retention's: forgetting the booking
      // reference (retention.test.mjs). Anything else is refused, including
      // that together with another change, or a new reference.
      for (const stmt of ['UPDATE ledger SET amount_cents = amount_cents + 1',
        'UPDATE ledger SET booking_ref = NULL, amount_cents = 0 WHERE id = (SELECT min(id) FROM ledger)',
        "UPDATE ledger SET booking_ref = 'XXXXXXXX' WHERE id = (SELECT max(id) FROM ledger)",
        "UPDATE ledger SET kind = 'refund' WHERE kind = 'payment'",
        'DELETE FROM ledger WHERE id = (SELECT max(id) FROM ledger)', 'DELETE FROM ledger']) {
        const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', s.db, stmt], { encoding: 'utf8' });
        assert.notEqual(r.status, 0, `sqlite3 "${stmt}" succeeded`);
        assert.match(r.stderr, /append-only/, `sqlite3 "${stmt}": ${r.stderr}`);
      }
      assert.equal(sql(s.db, 'SELECT group_concat(id || kind || amount_cents, \',\') FROM ledger'), before);
    });

    test('the ledger has no column that could identify a person; money rows say no more than amount, currency, method, day, booking, staff', () => {
      const cols = sql(s.db, "SELECT name FROM pragma_table_info('ledger') ORDER BY cid").split('\n');
      const allowed = ['id', 'day', 'kind', 'method', 'amount_cents', 'currency', 'booking_ref', 'voucher_id', 'staff_id'];
      assert.deepEqual(cols.filter((c) => !allowed.includes(c)), [], `ledger columns: ${cols.join(', ')}`);
      for (const re of [/name/i, /mail/i, /phone/i, /addr/i, /\bip\b/i, /token/i, /card_?(no|num)/i, /client/i, /insur/i, /note/i, /^at$|time|created/i]) {
        assert.deepEqual(cols.filter((c) => re.test(c)), [], `ledger column matching ${re}`);
      }
      const vcols = sql(s.db, "SELECT name FROM pragma_table_info('vouchers') ORDER BY cid").split('\n');
      assert.deepEqual(vcols.filter((c) => /^code$|secret|name|mail|phone|client|booking/i.test(c)), [], `voucher columns: ${vcols.join(', ')}`);
      // Vouchers keep a 6-symbol lookup part and a hash, never the secret.
      assert.equal(num(s.db, 'SELECT count(*) FROM vouchers WHERE length(lookup) <> 6'), 0);
      for (const c of codes.filter((x) => x && num(other.db, `SELECT count(*) FROM vouchers WHERE lookup = ${q(lookupOf(x))}`) === 0)) {
        assert.equal(num(s.db, `SELECT count(*) FROM vouchers WHERE lookup = ${q(lookupOf(c))}`), 1, `no voucher row for lookup ${lookupOf(c)}`);
      }
    });

    test('no voucher code, grouped or not, nor its secret part, in either database, its WAL, its dump, or the log', async () => {
      assert.ok(codes.length > 100, `only ${codes.length} codes were seen`);
      for (const srv of [s, other]) {
        const files = fs.readdirSync(srv.dir).filter((f) => /^saferoom\.db/.test(f) || f === 'server.log');
        assert.ok(files.includes('saferoom.db'), files.join(','));
        const texts = files.map((f) => [f, fs.readFileSync(path.join(srv.dir, f)).toString('latin1').toUpperCase()]);
        texts.push(['.dump', execFileSync('sqlite3', ['-cmd', '.timeout 5000', srv.db, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 28 }).toUpperCase()]);
        texts.push(['log', srv.log().toUpperCase()]);
        for (const c of codes) {
          for (const needle of [c, ungroup(c), secretOf(c), c.slice(7, 23)]) {
            for (const [f, t] of texts) assert.ok(!t.includes(needle), `${f} of ${path.basename(srv.dir)} holds ${needle} of voucher ${lookupOf(c)}`);
          }
        }
      }
    });
  });
});
