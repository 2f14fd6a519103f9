// Issue 5, the desk's and the admin's side (server/deskpay.c), over real
// TLS against the real saferoomd, through its pages as a browser without
// JavaScript sends them (form posts with the session's CSRF field):
//   - a voucher sheet holds the N codes it sold, each with its QR code,
//     and they redeem through the JSON API; a sheet form sent twice sells
//     once;
//   - taking a voucher, cash (with the change to give) and card on
//     /staff/pay, a cash form sent twice takes the money once;
//   - the daily report (page and CSV) adds up to what was done, line by
//     line and against the ledger itself;
//   - the accounting export has every ledger row of its range and no
//     voucher code or booking token;
//   - voiding by lookup part through the API and saferoomctl: the ledger
//     row of the balance, 404/409/400, and a voided code then gets 410;
//   - a therapist gets 403 on every one of these routes.
//
// Bookings are made through the public API from W0 (the next Monday at
// least 3 days ahead); money moves today, so the report of today holds it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ctl, ctlOk, startServer, request, expectError, StaffClient, ctlDemoUnlimited,
} from '../lib/harness.mjs';
import { TZ, DAY_MS, dayOf, today, dateOf, weekday } from '../lib/clinic.mjs';

/* ---- days in the clinic's zone ------------------------------------------------ */

const W0 = (() => { let d = today() + 3; while (weekday(d) !== 1) d++; return d; })();

/* ---- helpers ------------------------------------------------------------------------ */

const API = '/api/v1';
const PRICE = { 1: 4000, 2: 9000, 3: 14000 };
const VOUCHER_RE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;
const ungroup = (c) => c.replace(/[-\s]/g, '');
const lookupOf = (c) => ungroup(c).slice(0, 6);
const secretOf = (c) => ungroup(c).slice(6, 19);
const bearer = (tok) => ({ Authorization: `Bearer ${tok}` });
const q = (text) => `'${String(text).replace(/'/g, "''")}'`;
const eur = (cents) => `${(cents / 100).toFixed(2)} EUR`;
const dec = (cents) => (cents / 100).toFixed(2);

/** sqlite3 on the live database (WAL: the server holds it open). */
function sql(db, query) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, query], { encoding: 'utf8' }).trim();
}
const num = (db, query) => {
  const v = sql(db, query);
  assert.match(v, /^-?\d+$/, `${query} -> ${JSON.stringify(v)}`);
  return Number(v);
};

/** The text of a page: tags as spaces, runs of white space as one, our escaping undone. */
const unhtml = (s) => s.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').replace(/&#39;/g, "'")
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The value of the hidden one-time field of a page's form. */
function onceOf(html) {
  const m = /name="once" value="([0-9a-f]{32})"/.exec(html);
  assert.ok(m, `no one-time field in the page: ${html.slice(0, 500)}`);
  return m[1];
}

/** POSTs a form (application/x-www-form-urlencoded) with the session's csrf field. */
function postForm(c, urlPath, fields, { csrf = true } = {}) {
  const body = new URLSearchParams({ ...(csrf ? { csrf: c.csrf } : {}), ...fields }).toString();
  return c.request('POST', urlPath, {
    body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: null,
  });
}

/** Splits CSV text (RFC 4180, CRLF) into rows of fields. */
function parseCsv(text) {
  assert.ok(text.endsWith('\r\n'), 'CSV does not end with CRLF');
  assert.ok(!/[^\r]\n/.test(text), 'a CSV line ends with a bare LF');
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++;
    } else field += ch;
  }
  return rows;
}

/* ---- the tests ----------------------------------------------------------------------------- */

describe('the desk and admin payment pages', () => {
  let s;
  let desk; let admin; let rivera;
  let accounts;
  const codes = [];		// every code shown: none may be kept
  const tokens = new Map();	// booking ref -> bearer token
  let nextFrom = W0;

  before(async () => {
    s = await startServer({
      args: ['--log-level', 'debug'],
      setup: (db) => {
        accounts = ctlDemoUnlimited(db).by;
      },
    });
    desk = new StaffClient(s, accounts.desk);
    admin = new StaffClient(s, accounts.admin);
    rivera = new StaffClient(s, accounts.rivera);
    await Promise.all([desk.loginOk(), admin.loginOk(), rivera.loginOk()]);
  });
  after(async () => { await s?.stop(); });

  /** Books one session of service on a free slot; returns the booking. */
  async function book(service = 2) {
    for (let round = 0; round < 12; round++) {
      const res = await request(s, 'GET', `${API}/slots?${new URLSearchParams({ service, from: dateOf(nextFrom), days: 7 })}`);
      assert.equal(res.status, 200, `slots: ${res.status} ${res.body.slice(0, 200)}`);
      for (const sl of res.json.slots) {
        const r = await request(s, 'POST', `${API}/bookings`, { json: { service, therapist: sl.therapist, start: sl.start } });
        if (r.status === 409) continue;
        assert.equal(r.status, 201, `book: ${r.status} ${r.body.slice(0, 200)}`);
        tokens.set(r.json.booking.ref, r.json.token);
        return r.json.booking;
      }
      nextFrom += 7;
    }
    throw new Error('no free slot');
  }

  /** Sells a batch through the page; returns {res, codes, html}. */
  async function sellSheet(c, { count, value, method = 'cash', days = '30', tag = '' }) {
    const form = await c.get('/staff/vouchers');
    assert.equal(form.status, 200, `GET /staff/vouchers: ${form.status}`);
    const fields = { count: String(count), value, currency: 'EUR', valid_days: days, tag, method, once: onceOf(form.body) };
    const res = await postForm(c, '/staff/vouchers', fields);
    const list = [...res.body.matchAll(/<p class="vc-code"[^>]*>([^<]*)<\/p>/g)].map((m) => m[1]);
    codes.push(...list);
    return { res, codes: list, html: res.body, fields };
  }

  const deskRedeem = (code, ref, c = desk) => c.post(`${API}/staff/vouchers/redeem`, { code, booking: ref });
  const clientRedeem = (ref, code) => request(s, 'POST', `${API}/booking/redeem`,
    { json: { code }, headers: bearer(tokens.get(ref)) });
  const paidOf = (ref) => num(s.db, `SELECT paid_cents FROM bookings WHERE ref = ${q(ref)}`);

  /* What this file did today, by report line (cents and entries), kept as it goes. */
  const did = {};
  const add = (line, cents, n = 1) => {
    did[line] ??= { n: 0, cents: 0 };
    did[line].n += n;
    did[line].cents += cents;
  };

  test('the voucher sheet holds the N codes it sold, with QR codes, and they redeem through the JSON API', async () => {
    const { res, codes: sheet, html, fields } = await sellSheet(desk, { count: 3, value: '20.5', method: 'card', tag: 'Winter fair' });
    assert.equal(res.status, 200, `POST /staff/vouchers: ${res.status} ${res.body.slice(0, 300)}`);
    assert.match(res.headers['content-type'], /^text\/html/);
    assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/, 'a sheet of codes may be cached');
    add('sold_card', 3 * 2050, 3);
    assert.equal(sheet.length, 3, 'the sheet does not hold 3 codes');
    for (const c of sheet) assert.match(c, VOUCHER_RE);
    assert.equal(new Set(sheet).size, 3);
    assert.equal((html.match(/<svg /g) || []).length, 3, 'not one QR code per voucher');
    assert.match(html, /shown this once/);
    assert.match(html, /Demo Practice/);
    assert.equal((html.match(/20\.50 EUR/g) || []).length >= 3, true);
    // The records list each lookup part as the code starts ("7K2Q-9M"); the tag is staff-only.
    for (const c of sheet) assert.ok(html.includes(`${c.slice(0, 7)}</td>`), `no record of ${c.slice(0, 7)}`);
    assert.ok(!/class="vc-[^"]*"[^>]*>[^<]*Winter fair/.test(html), 'the staff-only tag is printed on a card');
    // In the database: the vouchers, card-paid, and no code.
    for (const c of sheet) {
      assert.equal(sql(s.db, `SELECT value_cents, balance_cents, currency, kind, tag FROM vouchers WHERE lookup = ${q(lookupOf(c))}`),
        '2050|2050|EUR|sold|Winter fair');
    }
    // The same form sent again sells nothing more.
    const nv = num(s.db, 'SELECT count(*) FROM vouchers');
    const nl = num(s.db, 'SELECT count(*) FROM ledger');
    const again = await postForm(desk, '/staff/vouchers', fields);
    assert.equal(again.status, 409, `the sheet form sent twice: ${again.status}`);
    assert.match(unhtml(again.body), /made already/);
    assert.ok(!/vc-code/.test(again.body));
    assert.equal(num(s.db, 'SELECT count(*) FROM vouchers'), nv);
    assert.equal(num(s.db, 'SELECT count(*) FROM ledger'), nl);

    // The codes redeem: two by the desk's JSON API, one by the client's, on one 90.00 booking.
    const b = await book(2);
    let res2 = await deskRedeem(sheet[0], b.ref);
    assert.equal(res2.status, 200, res2.body);
    assert.equal(res2.json.paid_cents, 2050);
    res2 = await deskRedeem(sheet[1].toLowerCase().replace(/-/g, ' '), b.ref);
    assert.equal(res2.status, 200, res2.body);
    res2 = await clientRedeem(b.ref, sheet[2]);
    assert.equal(res2.status, 200, res2.body);
    assert.equal(res2.json.paid_cents, 6150);
    assert.equal(res2.json.due_cents, 9000 - 6150);
    add('redeemed', 6150, 3);
    expectError(await deskRedeem(sheet[0], b.ref), 409, 'voucher_spent');
  });

  test('a bad sheet form is refused on the form page, nothing sold', async () => {
    const nv = num(s.db, 'SELECT count(*) FROM vouchers');
    const form = await desk.get('/staff/vouchers');
    const ok = { count: '1', value: '10', currency: 'EUR', valid_days: '30', method: 'cash' };
    const bad = [
      { ...ok, count: '0' }, { ...ok, count: '51' }, { ...ok, value: '0' }, { ...ok, value: '10.001' },
      { ...ok, value: '-5' }, { ...ok, value: 'ten' }, { ...ok, value: '100000.01' }, { ...ok, currency: 'eur' },
      { ...ok, valid_days: '3651' }, { ...ok, method: 'voucher' }, { ...ok, once: 'nope' },
    ];
    for (const f of bad) {
      const res = await postForm(desk, '/staff/vouchers', { once: onceOf(form.body), ...f });
      assert.equal(res.status, 400, `${JSON.stringify(f)}: ${res.status}`);
      assert.match(res.body, /class="error" role="alert">[^<]+</, `${JSON.stringify(f)}: no error said`);
      assert.ok(!/vc-code/.test(res.body));
    }
    assert.equal(num(s.db, 'SELECT count(*) FROM vouchers'), nv);
  });

  test('the desk takes a voucher, cash with change and card on /staff/pay; a cash form sent twice takes once', async () => {
    const { codes: [v50] } = await sellSheet(desk, { count: 1, value: '50' });
    add('sold_cash', 5000);
    const b = await book(2);
    // The booking page and the desk link here.
    const bp = await desk.get(`/staff/booking?ref=${b.ref}`);
    assert.ok(bp.body.includes(`href="/staff/pay?ref=${b.ref}"`), 'the booking page does not link to /staff/pay');
    let page = await desk.get(`/staff/pay?ref=${b.ref}`);
    assert.equal(page.status, 200);
    assert.match(unhtml(page.body), /Due\s*90\.00 EUR/);
    assert.ok(page.body.includes('value="90.00"'), 'the amount is not prefilled with what is due');
    assert.match(page.body, /id="code"[^>]*autofocus/);

    // A typo is told on the page, nothing taken.
    const typo = v50.slice(0, -1) + (v50.endsWith('0') ? '1' : '0');
    let res = await postForm(desk, '/staff/pay/voucher', { ref: b.ref, code: typo });
    assert.equal(res.status, 400);
    assert.match(unhtml(res.body), /typo/);
    assert.equal(paidOf(b.ref), 0);

    // The voucher as a scanner or a person types it.
    res = await postForm(desk, '/staff/pay/voucher', { ref: b.ref, code: ` ${v50.toLowerCase().replace(/-/g, ' ')} ` });
    assert.equal(res.status, 303, `redeem by page: ${res.status} ${res.body.slice(0, 300)}`);
    assert.equal(res.headers.location, `/staff/pay?ref=${b.ref}&done=voucher`);
    assert.equal(paidOf(b.ref), 5000);
    add('redeemed', 5000);
    page = await desk.get(res.headers.location);
    assert.match(unhtml(page.body), /The voucher is taken\. Still due: 40\.00 EUR/);
    // Spent now: the error is on the page with its status.
    res = await postForm(desk, '/staff/pay/voucher', { ref: b.ref, code: v50 });
    assert.equal(res.status, 409);
    assert.match(unhtml(res.body), /used up/);

    // Cash: 40.00 of 50.00 handed over.
    const fields = { ref: b.ref, method: 'cash', amount: '40', tendered: '50.00', once: onceOf(page.body) };
    res = await postForm(desk, '/staff/pay/desk', fields);
    assert.equal(res.status, 303, `cash: ${res.status} ${res.body.slice(0, 300)}`);
    const where = res.headers.location;
    assert.equal(where, `/staff/pay?ref=${b.ref}&done=cash&amount=4000&tendered=5000`);
    add('session_cash', 4000);
    assert.equal(paidOf(b.ref), 9000);
    page = await desk.get(where);
    assert.match(unhtml(page.body), /Give back 10\.00 EUR/);
    assert.match(unhtml(page.body), /paid in full/);
    // Sent again (a reload, a double click): the same answer, no money moves.
    const nl = num(s.db, 'SELECT count(*) FROM ledger');
    res = await postForm(desk, '/staff/pay/desk', fields);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, where);
    assert.equal(num(s.db, 'SELECT count(*) FROM ledger'), nl);
    assert.equal(paidOf(b.ref), 9000);
    // Nothing due now: a fresh form is refused.
    page = await desk.get(`/staff/pay?ref=${b.ref}`);
    res = await postForm(desk, '/staff/pay/desk', { ...fields, once: onceOf(page.body) });
    assert.equal(res.status, 409);
    assert.match(unhtml(res.body), /Nothing is due/);

    // Card, part of a second booking; more than is due and tendered with card are refused.
    const b2 = await book(1);
    page = await desk.get(`/staff/pay?ref=${b2.ref}`);
    for (const f of [{ method: 'card', amount: '40.01' }, { method: 'card', amount: '10', tendered: '20' },
      { method: 'cash', amount: '10', tendered: '5' }, { method: 'cheque', amount: '10' }, { method: 'card', amount: '0' }]) {
      res = await postForm(desk, '/staff/pay/desk', { ref: b2.ref, once: onceOf(page.body), ...f });
      assert.equal(res.status, 400, `${JSON.stringify(f)}: ${res.status}`);
      assert.match(res.body, /class="error" role="alert">[^<]+</);
    }
    assert.equal(paidOf(b2.ref), 0);
    res = await postForm(desk, '/staff/pay/desk', { ref: b2.ref, method: 'card', amount: '15,5', once: onceOf(page.body) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, `/staff/pay?ref=${b2.ref}&done=card&amount=1550`);
    add('session_card', 1550);
    assert.equal(paidOf(b2.ref), 1550);
    // An unknown booking.
    res = await desk.get('/staff/pay?ref=NOSUCHREF');
    assert.equal(res.status, 404);
  });

  /** The ledger of today by kind and method: {"kind|method": {n, cents}}. */
  function ledgerToday() {
    const out = {};
    const rows = sql(s.db, `SELECT kind, coalesce(method, ''), count(*), sum(amount_cents) FROM ledger WHERE day = ${today()} GROUP BY 1, 2`);
    for (const line of rows.split('\n').filter(Boolean)) {
      const [kind, method, n, cents] = line.split('|');
      out[`${kind}|${method}`] = { n: Number(n), cents: Number(cents) };
    }
    return out;
  }

  test('the daily report, page and CSV, adds up to what was done and to the ledger', async () => {
    const day = dateOf(today());
    const csv = await desk.get(`/staff/report.csv?day=${day}`);
    assert.equal(csv.status, 200, csv.body.slice(0, 300));
    assert.match(csv.headers['content-type'], /^text\/csv\b/);
    assert.match(csv.headers['content-disposition'] ?? '', new RegExp(`^attachment; filename="saferoom-report-${day}\\.csv"$`));
    const rows = parseCsv(csv.body);
    assert.deepEqual(rows[0], ['day', 'section', 'item', 'currency', 'count', 'amount']);
    const get = (section, item) => {
      const r = rows.find((x) => x[0] === day && x[1] === section && x[2] === item && x[3] === 'EUR');
      assert.ok(r, `no CSV row ${section} ${item}: ${csv.body}`);
      return { n: Number(r[4]), amount: r[5] };
    };
    const v = (line) => did[line] ?? { n: 0, cents: 0 };
    // Line by line, what this file did.
    for (const line of ['session_cash', 'session_card', 'sold_cash', 'sold_card', 'redeemed', 'refund_cash',
      'refund_card', 'credit_issued', 'voided', 'expired', 'other']) {
      assert.deepEqual(get('line', line), { n: v(line).n, amount: dec(v(line).cents) }, `line ${line}`);
    }
    const cash = v('session_cash').cents + v('sold_cash').cents;
    const card = v('session_card').cents + v('sold_card').cents;
    assert.deepEqual(get('total', 'cash'), { n: v('session_cash').n + v('sold_cash').n, amount: dec(cash) });
    assert.deepEqual(get('total', 'card'), { n: v('session_card').n + v('sold_card').n, amount: dec(card) });
    assert.deepEqual(get('total', 'voucher'), { n: v('redeemed').n, amount: dec(v('redeemed').cents) });
    assert.deepEqual(get('vouchers', 'sold'), { n: v('sold_cash').n + v('sold_card').n, amount: dec(v('sold_cash').cents + v('sold_card').cents) });
    // The open balance is what live vouchers hold.
    const open = sql(s.db, `SELECT count(*), coalesce(sum(balance_cents), 0) FROM vouchers WHERE voided = 0 AND expires_day >= ${today()} AND balance_cents > 0 AND currency = 'EUR'`).split('|').map(Number);
    assert.deepEqual(get('open_balance', 'vouchers'), { n: open[0], amount: dec(open[1]) });
    // Every ledger row of the day is in exactly one line.
    const led = ledgerToday();
    const ledN = Object.values(led).reduce((a, x) => a + x.n, 0);
    const ledC = Object.values(led).reduce((a, x) => a + x.cents, 0);
    const lines = rows.filter((r) => r[1] === 'line');
    assert.equal(lines.reduce((a, r) => a + Number(r[4]), 0), ledN);
    assert.equal(lines.reduce((a, r) => a + Math.round(Number(r[5]) * 100), 0), ledC);

    // The page says the same totals.
    const page = await desk.get(`/staff/report?day=${day}`);
    assert.equal(page.status, 200);
    const text = unhtml(page.body);
    assert.ok(text.includes(`Cash ${v('session_cash').n + v('sold_cash').n} ${eur(cash)}`), `cash total not on the page: ${text}`);
    assert.ok(text.includes(`Card ${v('session_card').n + v('sold_card').n} ${eur(card)}`), 'card total not on the page');
    assert.ok(text.includes(`Voucher redemptions ${v('redeemed').n} ${eur(v('redeemed').cents)}`), 'voucher total not on the page');
    assert.ok(text.includes(`EUR ${open[0]} ${eur(open[1])}`), 'open balance not on the page');
    // Another day is empty; a bad day is 400.
    const empty = await desk.get(`/staff/report?day=${dateOf(today() - 400)}`);
    assert.equal(empty.status, 200);
    assert.match(unhtml(empty.body), /Nothing was recorded on this day/);
    assert.equal((await desk.get('/staff/report?day=2026-02-30')).status, 400);
    assert.equal((await admin.get(`/staff/report.csv?day=${day}`)).status, 200);
  });

  test('the accounting export has every ledger row of the range, no code or token, and a header', async () => {
    const from = dateOf(today() - 1);
    const to = dateOf(today());
    const res = await desk.get(`/staff/export.csv?from=${from}&to=${to}`);
    assert.equal(res.status, 200, res.body.slice(0, 300));
    assert.match(res.headers['content-type'], /^text\/csv\b/);
    assert.equal(res.headers['content-disposition'], `attachment; filename="saferoom-ledger-${from}-to-${to}.csv"`);
    const rows = parseCsv(res.body);
    assert.deepEqual(rows[0], ['day', 'kind', 'method', 'amount', 'currency', 'booking_ref', 'staff_id']);
    const want = sql(s.db, `SELECT day, kind, coalesce(method, ''), amount_cents, currency, coalesce(booking_ref, ''), coalesce(staff_id, '') FROM ledger WHERE day BETWEEN ${today() - 1} AND ${today()} ORDER BY id`)
      .split('\n').filter(Boolean).map((l) => {
        const [d, kind, method, cents, cur, ref, staff] = l.split('|');
        return [dateOf(Number(d)), kind, method, dec(Number(cents)), cur, ref, staff];
      });
    assert.ok(want.length >= 8, `too few ledger rows to check: ${want.length}`);
    assert.deepEqual(rows.slice(1), want);
    for (const c of codes) {
      assert.ok(!res.body.includes(lookupOf(c) + secretOf(c).slice(0, 4)), 'the export holds a voucher code');
      assert.ok(!res.body.includes(secretOf(c)), 'the export holds a voucher secret');
    }
    for (const t of tokens.values()) assert.ok(!res.body.includes(ungroup(t).slice(8)), 'the export holds a booking token');
    // Admins too; a range past the limit or backwards is 400.
    assert.equal((await admin.get(`/staff/export.csv?from=${from}&to=${to}`)).status, 200);
    assert.equal((await desk.get(`/staff/export.csv?from=${to}&to=${from}`)).status, 400);
    assert.equal((await desk.get('/staff/export.csv?from=2020-01-01&to=2026-01-01')).status, 400);
    assert.equal((await desk.get('/staff/export.csv?from=yesterday')).status, 400);
  });

  test('an admin voids by lookup part through the API: the balance goes to the ledger; 404, 409, 400; the code then gets 410', async () => {
    const made = await admin.post(`${API}/staff/vouchers`, { count: 2, value_cents: 10000, currency: 'EUR', valid_days: 30 });
    assert.equal(made.status, 201, made.body);
    const [a, b2] = made.json.vouchers.map((x) => x.code);
    codes.push(a, b2);
    add('sold_cash', 20000, 2);
    // 40.00 of 100.00 used first: 60.00 is voided.
    const bk = await book(1);
    assert.equal((await deskRedeem(a, bk.ref)).status, 200);
    add('redeemed', 4000);
    const nl = num(s.db, 'SELECT count(*) FROM ledger');
    // The desk may not void.
    expectError(await desk.post(`${API}/staff/vouchers/void`, { lookup: lookupOf(a) }), 403);
    const res = await admin.post(`${API}/staff/vouchers/void`, { lookup: lookupOf(a).toLowerCase() });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json, {
      lookup: lookupOf(a), currency: 'EUR', value_cents: 10000, voided_cents: 6000,
      expires: dateOf(today() + 29), kind: 'sold', voided: true,
    });
    add('voided', 6000);
    assert.equal(num(s.db, 'SELECT count(*) FROM ledger'), nl + 1);
    assert.equal(sql(s.db, 'SELECT kind, coalesce(method, \'\'), amount_cents, currency, coalesce(booking_ref, \'\') FROM ledger ORDER BY id DESC LIMIT 1'),
      'voucher_voided||6000|EUR|');
    assert.equal(sql(s.db, `SELECT voided, balance_cents FROM vouchers WHERE lookup = ${q(lookupOf(a))}`), '1|0');
    assert.match(sql(s.db, "SELECT action || ' ' || detail FROM audit ORDER BY id DESC LIMIT 1"), new RegExp(`^voucher_voided ${lookupOf(a)}: 60\\.00 EUR$`));
    expectError(await admin.post(`${API}/staff/vouchers/void`, { lookup: lookupOf(a) }), 409, 'voucher_already_void');
    // A lookup part nobody has (6 symbols not among ours).
    let other = 'ZZZZZZ';
    while (codes.some((c) => lookupOf(c) === other)) other = other.slice(1) + 'Y';
    expectError(await admin.post(`${API}/staff/vouchers/void`, { lookup: other }), 404, 'unknown_voucher');
    for (const bad of [{ lookup: 'ABC' }, { lookup: 'ABCDEFG' }, { lookup: 'UUUUUU' }, {}, { lookup: 7 }]) {
      expectError(await admin.post(`${API}/staff/vouchers/void`, bad), 400);
    }
    assert.equal(num(s.db, 'SELECT count(*) FROM ledger'), nl + 1);
    // The voided code no longer pays.
    const bk2 = await book(1);
    expectError(await deskRedeem(a, bk2.ref), 410, 'voucher_voided');
    expectError(await clientRedeem(bk2.ref, a), 410, 'voucher_voided');

    // The admin's form on /staff/vouchers voids the second (a desk member may not).
    const deskTry = await postForm(desk, '/staff/vouchers/void', { lookup: lookupOf(b2) });
    assert.equal(deskTry.status, 403);
    const page = await admin.get('/staff/vouchers');
    assert.ok(!/aria-labelledby="void-h" hidden/.test(page.body), 'the admin does not see the void form');
    assert.ok(/aria-labelledby="void-h" hidden/.test((await desk.get('/staff/vouchers')).body), 'the desk sees the void form');
    const formRes = await postForm(admin, '/staff/vouchers/void', { lookup: `${b2.slice(0, 4)}-${b2.slice(5, 7)}` });
    assert.equal(formRes.status, 200, formRes.body.slice(0, 300));
    assert.match(unhtml(formRes.body), new RegExp(`The voucher ${lookupOf(b2)} is void.*100\\.00 EUR`));
    add('voided', 10000);
    const again = await postForm(admin, '/staff/vouchers/void', { lookup: lookupOf(b2) });
    assert.equal(again.status, 409);
    expectError(await deskRedeem(b2, bk2.ref), 410, 'voucher_voided');
  });

  test('saferoomctl voucher void --lookup: the same, exit 2 on bad input', async () => {
    const made = await desk.post(`${API}/staff/vouchers`, { count: 1, value_cents: 2500, currency: 'EUR', valid_days: 10 });
    assert.equal(made.status, 201, made.body);
    const [c] = made.json.vouchers.map((x) => x.code);
    codes.push(c);
    add('sold_cash', 2500);
    const r = ctlOk(s.db, 'voucher', 'void', '--lookup', `${c.slice(0, 4)} ${c.slice(5, 7)}`.toLowerCase());
    assert.equal(r.kv.lookup, lookupOf(c));
    assert.equal(r.kv.voided_cents, '2500');
    assert.equal(r.kv.currency, 'EUR');
    add('voided', 2500);
    assert.equal(sql(s.db, 'SELECT kind, amount_cents, coalesce(staff_id, 0) FROM ledger ORDER BY id DESC LIMIT 1'), 'voucher_voided|2500|0');
    assert.equal(sql(s.db, 'SELECT action FROM audit ORDER BY id DESC LIMIT 1'), 'voucher_voided');
    const nl = num(s.db, 'SELECT count(*) FROM ledger');
    for (const args of [['--lookup', lookupOf(c)], ['--lookup', 'ABC'], ['--lookup', 'ZZZZZZZ'], [], ['--lookup'],
      ['--lookup', lookupOf(c), '--lookup', lookupOf(c)], ['--bogus', 'x']]) {
      const bad = ctl(s.db, 'voucher', 'void', ...args);
      assert.equal(bad.status, 2, `voucher void ${args.join(' ')}: ${bad.status} ${bad.stderr}`);
      assert.match(bad.stderr, /^saferoomctl: /);
    }
    assert.equal(num(s.db, 'SELECT count(*) FROM ledger'), nl);
    const bk = await book(1);
    expectError(await deskRedeem(c, bk.ref), 410, 'voucher_voided');
  });

  test('a therapist gets 403 on every desk payment route; no session is sent to sign in', async () => {
    const b = await book(1);
    const gets = ['/staff/vouchers', `/staff/pay?ref=${b.ref}`, '/staff/report', '/staff/report.csv',
      `/staff/export.csv?from=${dateOf(today())}&to=${dateOf(today())}`];
    for (const p of gets) {
      const res = await rivera.get(p);
      assert.equal(res.status, 403, `therapist GET ${p}: ${res.status}`);
      assert.ok(!/vc-code|Give back|voucher_sold/.test(res.body));
      const anon = await request(s, 'GET', p);
      assert.ok(anon.status === 303 || anon.status === 302, `no session GET ${p}: ${anon.status}`);
      assert.match(anon.headers.location ?? '', /^\/staff\/login/);
    }
    const nv = num(s.db, 'SELECT count(*) FROM vouchers');
    const nl = num(s.db, 'SELECT count(*) FROM ledger');
    const once = 'a'.repeat(32);
    const posts = [
      ['/staff/vouchers', { count: '1', value: '10', currency: 'EUR', valid_days: '30', method: 'cash', once }],
      ['/staff/vouchers/void', { lookup: lookupOf(codes[0]) }],
      ['/staff/pay/voucher', { ref: b.ref, code: codes[0] }],
      ['/staff/pay/desk', { ref: b.ref, method: 'cash', amount: '10', once }],
    ];
    for (const [p, f] of posts) {
      const res = await postForm(rivera, p, f);
      assert.equal(res.status, 403, `therapist POST ${p}: ${res.status}`);
    }
    expectError(await rivera.post(`${API}/staff/vouchers/void`, { lookup: lookupOf(codes[0]) }), 403);
    expectError(await request(s, 'POST', `${API}/staff/vouchers/void`, { json: { lookup: lookupOf(codes[0]) } }), 401);
    // A desk form without the CSRF field is refused too.
    const noCsrf = await postForm(desk, '/staff/pay/desk', { ref: b.ref, method: 'cash', amount: '10', once }, { csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(num(s.db, 'SELECT count(*) FROM vouchers'), nv);
    assert.equal(num(s.db, 'SELECT count(*) FROM ledger'), nl);
    assert.equal(paidOf(b.ref), 0);
  });

  test('no voucher code is in the database, its WAL or the log', async () => {
    assert.ok(codes.length >= 7, `only ${codes.length} codes were shown`);
    const files = [s.db, `${s.db}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('latin1'));
    const log = s.log();
    for (const c of codes) {
      for (const text of [...files, log]) {
        assert.ok(!text.includes(secretOf(c)), `a voucher secret is stored or logged (${lookupOf(c)})`);
        assert.ok(!text.includes(c), 'a voucher code is stored or logged');
      }
    }
    assert.ok(fs.existsSync(path.join(s.dir, 'server.log')));
  });
});
