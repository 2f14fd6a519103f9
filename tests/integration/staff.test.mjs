// Issue 4 over real TLS against the real saferoomd: staff logins (password
// and TOTP, drift, replay, the same 401 for every failure, 400 for bad
// bodies), the session cookie and its timeouts, logout, CSRF, the roles
// table of routes.c (401 without a session, 403 for a role), the calendar,
// check-in by ticket, no-shows, cancelling as the practice, hours and time
// off, password changes, disabled accounts, the audit log, and the privacy
// of the log and the database. A fresh server checks the login rate limits.
//
// TOTP: the server takes each step of an account once and never a step at
// or before the last it took, with one step of drift. The harness hands out
// steps per account (reserveTotpStep), so most accounts are made only for
// one test to keep the logins of each account few and the run short.
//
// Dates are Berlin days (the demo's zone); each test books on its own week:
//   W0 = the next Monday at least 3 days ahead.  W0: calendar  W1: check-in
//   W2: no-show and cancel  W3: hours and time off  W4: CSRF and roles
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ctl, ctlOk, ctlDemo, ctlStaffAdd, startServer, request, expectError, sleep,
  totp, totpAt, totpStep, hotp, base32Decode, parseBlocks, markTotpUsed, reserveTotpStep,
  StaffClient, STAFF_COOKIE, TOTP_STEP, parseSetCookie, setCookies,
} from '../lib/harness.mjs';
import { TZ, DAY_MS, MIN_MS, berlin, dayOf, dateOf, weekday, localMs, pad, rfc, hm, at, msOf } from '../lib/clinic.mjs';

/* ---- time in the clinic's zone ---------------------------------------------- */

const TODAY = dayOf(Date.now());
const W0 = (() => { let d = TODAY + 3; while (weekday(d) !== 1) d++; return d; })();
const W = (k) => W0 + 7 * k;

/* ---- the demo clinic -------------------------------------------------------------- */

const RIVERA = 2;
const OKAFOR = 3;
const MINUTES = { 1: 30, 2: 50, 3: 80 };
const HOURS = {
  [RIVERA]: [1, 2, 3, 4, 5].flatMap((wd) => [[wd, 540, 750], [wd, 810, 1020]]),
  [OKAFOR]: [2, 3, 4, 5, 6].map((wd) => [wd, 600, 1080]),
};
const INTERVAL = 30;

/** The free slots of a therapist on a day from weekly ranges [[wd, from, to]], nothing booked. */
function gridSlots(therapist, day, service, hours = HOURS[therapist]) {
  const min = MINUTES[service];
  const out = [];
  for (const [wd, from, to] of hours) {
    if (wd !== weekday(day)) continue;
    for (let m = from; m + min <= to; m += INTERVAL) {
      const t = localMs(day, m);
      out.push({ start: rfc(t), end: rfc(t + min * MIN_MS), therapist });
    }
  }
  return out.sort((a, b) => msOf(a.start) - msOf(b.start));
}

/* ---- helpers ------------------------------------------------------------------------ */

const API = '/api/v1';
const TOKEN_RE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){8}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
const RFC3339_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
const LABEL_RE = /^Client [0-9A-HJKMNP-TV-Z]{4}$/;
/** BOOKING of API.md without its ticket: what the staff see of a booking. */
const STAFF_BOOKING_KEYS = ['currency', 'due_cents', 'end', 'paid_cents', 'ref', 'service',
  'start', 'status', 'therapist'];

const ungroup = (tok) => tok.replace(/-/g, '');
/** The token in every spelling, and its lookup and secret parts. */
const tokenParts = (tok) => [tok, ungroup(tok), ungroup(tok).slice(0, 8), ungroup(tok).slice(8)];
const bearer = (tok) => ({ Authorization: `Bearer ${tok}` });
const randomHex = (n) => crypto.randomBytes(n).toString('hex');

/** sqlite3 on the live database (WAL: the server may hold it open). */
function sql(db, q) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' }).trim();
}

/** The hex SHA-256 of a session id given as its cookie (hex) value: what the server keeps. */
const sessionHash = (cookie) => crypto.createHash('sha256').update(Buffer.from(cookie, 'hex')).digest('hex');

const nowS = () => Math.floor(Date.now() / 1000);

async function slots(s, q) {
  const res = await request(s, 'GET', `${API}/slots?${new URLSearchParams(q)}`);
  assert.equal(res.status, 200, `slots ${JSON.stringify(q)}: ${res.status} ${res.body.slice(0, 300)}`);
  return res.json.slots;
}

/** Books through the public API; returns {token, booking}; keeps the token on s.tokens. */
async function book(s, service, therapist, start) {
  const res = await request(s, 'POST', `${API}/bookings`, { json: { service, therapist, start } });
  assert.equal(res.status, 201, `book ${service} ${therapist} ${start}: ${res.status} ${res.body.slice(0, 300)}`);
  const { token, booking } = res.json;
  assert.match(token, TOKEN_RE);
  assert.equal(booking.start, start);
  assert.equal(booking.therapist, therapist);
  s.tokens.push(token);
  s.tickets.push(booking.ticket);
  return { token, booking };
}

async function clientGet(s, token) {
  const res = await request(s, 'GET', `${API}/booking`, { headers: bearer(token) });
  assert.equal(res.status, 200, `GET /booking: ${res.status} ${res.body.slice(0, 300)}`);
  return res.json;
}

/**
 * Asserts b is a booking as the staff see it: every BOOKING field but the
 * ticket, equal to the client's view pub where given, a label, no ticket,
 * no token, nothing of the token anywhere.
 */
function assertStaffBooking(b, pub, token, want = {}) {
  assert.ok(b && typeof b === 'object', `staff booking is ${JSON.stringify(b)}`);
  for (const k of STAFF_BOOKING_KEYS) assert.ok(k in b, `staff booking without ${k}: ${JSON.stringify(b)}`);
  assert.ok(!('ticket' in b), `the staff see the ticket: ${JSON.stringify(b)}`);
  assert.ok(!('token' in b), `the staff see a token field: ${JSON.stringify(b)}`);
  assert.match(b.start, RFC3339_RE);
  assert.match(b.end, RFC3339_RE);
  assert.equal(typeof b.label, 'string', `no label: ${JSON.stringify(b)}`);
  assert.match(b.label, LABEL_RE);
  if (pub) {
    for (const k of STAFF_BOOKING_KEYS) {
      if (!(k in want)) assert.deepEqual(b[k], pub[k], `staff booking .${k} differs from the client's: ${JSON.stringify(b)}`);
    }
  }
  if (token) {
    const text = JSON.stringify(b).toUpperCase();
    for (const x of tokenParts(token)) assert.ok(!text.includes(x), `the staff booking holds the token or a part of it: ${text}`);
    assert.notEqual(b.label.toUpperCase(), token);
  }
  for (const [k, v] of Object.entries(want)) assert.deepEqual(b[k], v, `staff booking .${k}: ${JSON.stringify(b)}`);
}

/** A ticket with one symbol of its signature changed to another base32 symbol. */
function forgeSig(ticket, i = 20) {
  const parts = ticket.split(':');
  const sig = parts[parts.length - 1].split('');
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  sig[i] = A[(A.indexOf(sig[i]) + 5) % 32];
  parts[parts.length - 1] = sig.join('');
  return parts.join(':');
}

/*
 * The permission table is the roles column of server/routes.c: every row
 * with roles is read from the source at run time, so a route added there is
 * tested here too. The rows API.md and issue 4 name are checked against the
 * rules they state (a therapist may not use the desk's routes, the desk not
 * the calendar owners', only the admin reads the audit).
 */
const ROUTES_C = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/routes.c');
const ALL = ['admin', 'therapist', 'desk'];
const FRONT = ['admin', 'desk'];
const OWNERS = ['admin', 'therapist'];
const EXPECTED_API_ROLES = {
  'POST /api/v1/staff/logout': ALL,
  'GET /api/v1/staff/me': ALL,
  'GET /api/v1/staff/calendar': ALL,
  'POST /api/v1/staff/checkin': FRONT,
  'POST /api/v1/staff/noshow': FRONT,
  'POST /api/v1/staff/cancel': ALL,
  'GET /api/v1/staff/hours': OWNERS,
  'POST /api/v1/staff/hours': OWNERS,
  'POST /api/v1/staff/hours/delete': OWNERS,
  'GET /api/v1/staff/timeoff': OWNERS,
  'POST /api/v1/staff/timeoff': OWNERS,
  'POST /api/v1/staff/timeoff/delete': OWNERS,
  'POST /api/v1/staff/password': ALL,
  'GET /api/v1/staff/audit': ['admin'],
};

/** The rows of routes.c that need a session: [{method, path, roles, api}]. */
function staffRoutesOfSource() {
  const src = fs.readFileSync(ROUTES_C, 'utf8');
  const macros = {};
  for (const m of src.matchAll(/^#define\s+(\w+)\s+\(([^)]*)\)/gm)) macros[m[1]] = m[2];
  const roles = (expr, depth = 0) => {
    assert.ok(depth < 5, `routes.c: macro loop in ${expr}`);
    const out = new Set();
    for (const w of expr.split('|').map((x) => x.replace(/[()\s]/g, ''))) {
      if (/^ROLE_(ADMIN|THERAPIST|DESK)$/.test(w)) out.add(w.slice(5).toLowerCase());
      else if (macros[w]) for (const r of roles(macros[w], depth + 1)) out.add(r);
      else assert.fail(`routes.c: unknown roles ${w}`);
    }
    return [...out].sort();
  };
  const rows = [];
  const re = /\{\s*EVHTTP_REQ_(\w+),\s*"([^"]+)",\s*([^,]+?),\s*(ROUTE_[A-Z_|\s]+?),\s*\w+\s*\}/g;
  for (const m of src.matchAll(re)) {
    if (m[3].trim() === '0') continue;
    rows.push({ method: m[1], path: m[2], roles: roles(m[3]), api: /ROUTE_API/.test(m[4]) });
  }
  assert.ok(rows.length >= 14, `routes.c: only ${rows.length} staff rows read`);
  return rows;
}

/** A body that fits a staff API route (a wrong one does no harm: roles come first). */
function bodyFor(p, ticket, ref) {
  return {
    '/api/v1/staff/checkin': { ticket },
    '/api/v1/staff/noshow': { booking: ref },
    '/api/v1/staff/cancel': { booking: ref, reason: 'test' },
    '/api/v1/staff/hours': { weekday: 7, from: '06:00', to: '07:00' },
    '/api/v1/staff/hours/delete': { id: 1 },
    '/api/v1/staff/timeoff': { from: dateOf(W(4)) },
    '/api/v1/staff/timeoff/delete': { id: 1 },
    '/api/v1/staff/password': { current: 'wrong-password-x', new: 'another-password-y' },
  }[p] ?? {};
}

/** What a forbidden or unauthenticated request must not have changed. */
const stateOf = (db) => sql(db, 'SELECT (SELECT group_concat(id || status, \',\') FROM bookings), '
  + '(SELECT count(*) FROM hours), (SELECT group_concat(id, \',\') FROM hours), '
  + '(SELECT count(*) FROM time_off), (SELECT group_concat(password_hash, \',\') FROM staff)');

/* ---- the main server ----------------------------------------------------------------- */

describe('staff against the demo clinic', () => {
  let s;
  const acc = {};	// username -> {username, password, totp_secret, role, id}
  const clients = [];
  const client = (name) => { const c = new StaffClient(s, acc[name]); clients.push(c); return c; };
  let admin; let rivera; let okafor; let desk;
  let hasDisable = false;
  let invalidLoginBody = null;	// the 401 body of a wrong password, to compare others with
  const refs = {};	// what the audit test looks for

  before(async () => {
    s = await startServer({
      args: ['--log-level', 'debug'],
      setup: (db) => {
        const demo = ctlDemo(db);
        assert.deepEqual(demo.list.map((a) => [a.username, a.role]),
          [['admin', 'admin'], ['rivera', 'therapist'], ['okafor', 'therapist'], ['desk', 'desk']]);
        Object.assign(acc, demo.by);
        for (const [k, v] of Object.entries({ min_notice_minutes: 0, booking_rate_per_hour: 0 })) {
          ctlOk(db, 'settings', 'set', k, String(v));
        }
        // One account per test that needs several logins or ends sessions.
        for (const [name, role] of [['fresh', 'desk'], ['fails', 'desk'], ['desk2', 'desk'], ['pw', 'therapist'],
          ['gone', 'desk'], ['idle', 'desk'], ['idle2', 'desk']]) {
          acc[name] = ctlStaffAdd(db, { role, username: name, password: `pw-${name}-${randomHex(8)}` });
        }
        const help = ctl(null, '--help');
        hasDisable = /staff disable/.test(help.stdout + help.stderr);
      },
    });
    s.tokens = [];
    s.tickets = [];
    admin = client('admin');
    rivera = client('rivera');
    okafor = client('okafor');
    desk = client('desk');
    for (const c of [admin, rivera, okafor, desk]) await c.loginOk();
  });
  after(async () => { if (s) await s.stop(); });

  test('harness: totp() gives the RFC 6238 SHA-1 test vectors', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    assert.equal(base32Decode(secret).toString(), '12345678901234567890');
    const vectors = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'],
      [1234567890, '89005924'], [2000000000, '69279037'], [20000000000, '65353130']];
    for (const [t, code] of vectors) {
      assert.equal(totp(secret, t, 8), code, `t=${t}`);
      assert.equal(totp(secret, t), code.slice(2), `t=${t}, 6 digits`);
    }
    assert.equal(hotp(Buffer.from('12345678901234567890'), 0), '755224'); // RFC 4226
    assert.deepEqual(parseBlocks('a: 1\nb: 2\n\na: 3\n').map((x) => x.a), ['1', '3']);
  });

  /* ---- login ---- */

  describe('POST /api/v1/staff/login', () => {
    test('200 {role, csrf}; the cookie is __Host-, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain', async () => {
      const c = client('desk2');
      const res = await c.login();
      assert.equal(res.status, 200, res.body);
      assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i);
      assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/, 'the answer with the csrf token may be cached');
      assert.equal(res.json.role, 'desk');
      assert.match(res.json.csrf, HEX64_RE);
      const extra = Object.keys(res.json).filter((k) => !['role', 'csrf', 'username'].includes(k));
      assert.deepEqual(extra, [], `unexpected fields in the login answer: ${res.body}`);
      const cookies = setCookies(res);
      assert.equal(cookies.length, 1, `Set-Cookie: ${JSON.stringify(cookies)}`);
      const ck = parseSetCookie(cookies[0]);
      assert.equal(ck.name, STAFF_COOKIE);
      assert.match(ck.value, HEX64_RE, 'the session id is not 256 bits of hex');
      assert.equal(ck.attrs.secure, true, cookies[0]);
      assert.equal(ck.attrs.httponly, true, cookies[0]);
      assert.equal(ck.attrs.samesite, 'Strict', cookies[0]);
      assert.equal(ck.attrs.path, '/', cookies[0]);
      assert.ok(!('domain' in ck.attrs), `a __Host- cookie must not have a Domain: ${cookies[0]}`);
      assert.equal(ck.attrs['max-age'], String(12 * 3600), `Max-Age is not session_max_hours: ${cookies[0]}`);
      assert.notEqual(ck.value, res.json.csrf);
      const me = await c.get(`${API}/staff/me`);
      assert.equal(me.status, 200, me.body);
      assert.equal(me.json.username, 'desk2');
      assert.equal(me.json.role, 'desk');
      assert.equal(me.json.csrf, res.json.csrf);
      assert.equal(me.json.id, Number(acc.desk2.id));
      // Each role gets its own name.
      assert.deepEqual([admin.role, rivera.role, okafor.role, desk.role], ['admin', 'therapist', 'therapist', 'desk']);
    });

    test('one step of drift either way is accepted, two are not; a code works once', async () => {
      const c = client('fresh');
      const secret = acc.fresh.totp_secret;
      // Not at the very end of a step, so that "one step ago" stays one step ago.
      if (Date.now() / 1000 % TOTP_STEP > 26) await sleep((TOTP_STEP - (Date.now() / 1000 % TOTP_STEP)) * 1000 + 200);
      const cur = totpStep();
      markTotpUsed(s, 'fresh', cur + 1);
      const two = [totpAt(secret, cur - 2), totpAt(secret, cur + 2)]
        .filter((x) => ![cur - 1, cur, cur + 1].some((st) => totpAt(secret, st) === x));
      for (const code of two) {
        const res = await c.login({ totp: code });
        expectError(res, 401, 'invalid_login');
        assert.deepEqual(setCookies(res), []);
      }
      const past = await c.login({ step: cur - 1 });
      assert.equal(past.status, 200, `a code of the step before: ${past.body}`);
      const replay = await c.login({ totp: past.code });
      expectError(replay, 401, 'invalid_login');
      assert.deepEqual(setCookies(replay), [], 'a replayed code opened a session');
      const next = await c.login({ step: cur + 1 });
      assert.equal(next.status, 200, `a code of the next step: ${next.body}`);
      expectError(await c.login({ totp: next.code }), 401, 'invalid_login');
      // A replay is refused however the code is typed.
      expectError(await c.login({ totp: `${next.code.slice(0, 3)} ${next.code.slice(3)}` }), 401, 'invalid_login');
      assert.equal(Number(sql(s.db, "SELECT totp_last_step FROM staff WHERE username = 'fresh'")), cur + 1);
    });

    test('wrong password, wrong code, non-digit code, unknown user: the same 401, no cookie', async () => {
      const c = client('fails');
      const wrongPw = await c.login({ password: `${acc.fails.password}x` });
      expectError(wrongPw, 401, 'invalid_login');
      invalidLoginBody = wrongPw.body;
      const cur = totpStep();
      const window = [cur - 1, cur, cur + 1].map((st) => totpAt(acc.fails.totp_secret, st));
      let bad = 0;
      while (window.includes(String(bad).padStart(6, '0'))) bad++;
      const answers = [
        wrongPw,
        await c.login({ totp: String(bad).padStart(6, '0') }),
        await c.login({ totp: 'abcdef' }),
        await c.login({ username: 'nobody-here' }),
      ];
      for (const res of answers) {
        expectError(res, 401, 'invalid_login');
        assert.equal(res.body, wrongPw.body, 'the failures are told apart');
        assert.equal(res.headers['content-type'], wrongPw.headers['content-type']);
        assert.deepEqual(setCookies(res), []);
      }
      // Under the limit, the right login still works.
      await c.loginOk();
    });

    test('missing fields, wrong types, malformed JSON -> 400 and no cookie', async () => {
      const u = acc.fresh.username;
      const p = acc.fresh.password;
      const bodies = [
        {}, { username: u, password: p }, { username: u, totp: '123456' }, { password: p, totp: '123456' },
        { username: '', password: p, totp: '123456' }, { username: u, password: '', totp: '123456' },
        { username: u, password: p, totp: '' }, { username: u, password: p, totp: '12345' },
        { username: 5, password: p, totp: '123456' }, { username: u, password: p, totp: 123456 },
        '{"username": "fresh", "password":', '[]', 'null', '"x"', 'nope', '',
      ];
      for (const body of bodies) {
        const res = typeof body === 'string'
          ? await request(s, 'POST', `${API}/staff/login`, { body, headers: { 'Content-Type': 'application/json' } })
          : await request(s, 'POST', `${API}/staff/login`, { json: body });
        expectError(res, 400);
        assert.deepEqual(setCookies(res), [], `${JSON.stringify(body)} set a cookie`);
      }
    });

    test('a code typed with a space in it ("123 456") is accepted', async () => {
      const c = client('gone');
      const code = totpAt(acc.gone.totp_secret, await reserveTotpStep(s, 'gone'));
      const res = await c.login({ totp: `${code.slice(0, 3)} ${code.slice(3)}` });
      assert.equal(res.status, 200, res.body);
    });
  });

  /* ---- sessions ---- */

  describe('sessions', () => {
    test('GET needs no CSRF token; logout without it -> 403 and the session lives on', async () => {
      const c = clients.find((x) => x.account.username === 'desk2');
      assert.ok(c && c.cookie, 'the login test did not run');
      assert.equal((await c.get(`${API}/staff/me`, { csrf: null })).status, 200);
      expectError(await c.post(`${API}/staff/logout`, undefined, { csrf: null }), 403, 'bad_csrf');
      assert.equal((await c.get(`${API}/staff/me`)).status, 200, 'a logout without CSRF token ended the session');
    });

    test('logout -> 204, the cookie is cleared, the old cookie then gets 401', async () => {
      const c = clients.find((x) => x.account.username === 'desk2');
      const old = c.cookie;
      const oldCsrf = c.csrf;
      const hash = sessionHash(old);
      assert.equal(sql(s.db, `SELECT count(*) FROM sessions WHERE hex(hash) = upper('${hash}')`), '1');
      const res = await c.logout();
      assert.equal(res.status, 204, res.body);
      assert.equal(res.body, '');
      const ck = setCookies(res).map(parseSetCookie).find((x) => x.name === STAFF_COOKIE);
      assert.ok(ck, 'logout does not clear the cookie');
      assert.equal(ck.value, '');
      assert.equal(ck.attrs['max-age'], '0');
      assert.equal(sql(s.db, `SELECT count(*) FROM sessions WHERE hex(hash) = upper('${hash}')`), '0',
        'the session is still in the database');
      expectError(await c.get(`${API}/staff/me`, { cookie: old }), 401, 'unauthorized');
      expectError(await c.get(`${API}/staff/calendar`, { cookie: old }), 401, 'unauthorized');
      expectError(await c.post(`${API}/staff/logout`, undefined, { cookie: old, csrf: oldCsrf }), 401, 'unauthorized');
    });

    test('made-up, malformed and stolen-database cookies -> 401', async () => {
      const live = desk.cookie;
      const fakes = [randomHex(32), live.slice(0, 63), `${live}0`, live.toUpperCase().replace(/[0-9]/g, 'G'),
        'x'.repeat(64), '', sessionHash(live)];
      for (const cookie of fakes) {
        expectError(await desk.get(`${API}/staff/me`, { cookie }), 401, 'unauthorized');
      }
      // The right value under another name is no session either.
      expectError(await request(s, 'GET', `${API}/staff/me`, { headers: { Cookie: `saferoom-staff=${live}` } }), 401);
      // The database row holds the SHA-256, which is no cookie.
      const stored = sql(s.db, `SELECT lower(hex(hash)) FROM sessions WHERE hex(hash) = upper('${sessionHash(live)}')`);
      assert.equal(stored, sessionHash(live));
      assert.equal(sql(s.db, `SELECT count(*) FROM sessions WHERE lower(hex(hash)) = '${live}'`), '0');
      assert.equal((await desk.get(`${API}/staff/me`)).status, 200, 'the real session broke');
    });

    test('idle timeout (30 min by default): 29 min idle -> alive, 30 min + 5 s -> 401 and the row is gone', async () => {
      const c = client('idle');
      await c.loginOk();
      const h = sessionHash(c.cookie);
      sql(s.db, `UPDATE sessions SET last_seen = ${nowS() - 29 * 60} WHERE hex(hash) = upper('${h}')`);
      assert.equal((await c.get(`${API}/staff/me`)).status, 200, 'a session idle for 29 minutes ended');
      // That use touched it.
      assert.ok(Number(sql(s.db, `SELECT last_seen FROM sessions WHERE hex(hash) = upper('${h}')`)) >= nowS() - 5);
      sql(s.db, `UPDATE sessions SET last_seen = ${nowS() - 30 * 60 - 5} WHERE hex(hash) = upper('${h}')`);
      expectError(await c.get(`${API}/staff/me`), 401, 'unauthorized');
      assert.equal(sql(s.db, `SELECT count(*) FROM sessions WHERE hex(hash) = upper('${h}')`), '0');
    });

    test('absolute timeout (12 h by default), whatever the use', async () => {
      const c = client('idle');
      await c.loginOk();
      const h = sessionHash(c.cookie);
      sql(s.db, `UPDATE sessions SET created = ${nowS() - 12 * 3600 + 120}, last_seen = ${nowS()} WHERE hex(hash) = upper('${h}')`);
      assert.equal((await c.get(`${API}/staff/me`)).status, 200, 'a session 11 h 58 min old ended');
      sql(s.db, `UPDATE sessions SET created = ${nowS() - 12 * 3600 - 5}, last_seen = ${nowS()} WHERE hex(hash) = upper('${h}')`);
      expectError(await c.get(`${API}/staff/me`), 401, 'unauthorized');
    });

    test('session_idle_minutes 1 and session_max_hours 1 take effect on the running server', async () => {
      const a = client('idle2');
      const b = client('idle2');
      await a.loginOk();
      await b.loginOk();
      const ha = sessionHash(a.cookie);
      const hb = sessionHash(b.cookie);
      try {
        ctlOk(s.db, 'settings', 'set', 'session_idle_minutes', '1');
        sql(s.db, `UPDATE sessions SET last_seen = ${nowS() - 45} WHERE hex(hash) = upper('${ha}')`);
        assert.equal((await a.get(`${API}/staff/me`)).status, 200, '45 s idle ended a session of 1 idle minute');
        sql(s.db, `UPDATE sessions SET last_seen = ${nowS() - 65} WHERE hex(hash) = upper('${ha}')`);
        expectError(await a.get(`${API}/staff/me`), 401, 'unauthorized');
      } finally {
        ctlOk(s.db, 'settings', 'set', 'session_idle_minutes', '30');
      }
      try {
        ctlOk(s.db, 'settings', 'set', 'session_max_hours', '1');
        sql(s.db, `UPDATE sessions SET created = ${nowS() - 3500}, last_seen = ${nowS()} WHERE hex(hash) = upper('${hb}')`);
        assert.equal((await b.get(`${API}/staff/me`)).status, 200, 'a session of 58 min ended under a 1 h maximum');
        sql(s.db, `UPDATE sessions SET created = ${nowS() - 3605}, last_seen = ${nowS()} WHERE hex(hash) = upper('${hb}')`);
        expectError(await b.get(`${API}/staff/me`), 401, 'unauthorized');
      } finally {
        ctlOk(s.db, 'settings', 'set', 'session_max_hours', '12');
      }
      assert.equal((await desk.get(`${API}/staff/me`)).status, 200, 'the other sessions ended');
    });
  });

  /* ---- CSRF ---- */

  describe('CSRF', () => {
    test('a write without, with a wrong, or with another session\'s token -> 403; nothing changes', async () => {
      const { token, booking } = await book(s, 1, RIVERA, at(W(4), '09:00'));
      const other = client('desk');	// a second session of the same member
      await other.loginOk();
      assert.notEqual(other.csrf, desk.csrf, 'two sessions share a CSRF token');
      const body = { booking: booking.ref };
      const tries = [
        ['none', null], ['random', randomHex(32)], ['another session\'s', other.csrf],
        ['upper case', desk.csrf.toUpperCase()], ['one short', desk.csrf.slice(0, 63)],
        ['one more', `${desk.csrf}0`], ['empty', ''],
      ];
      for (const [what, csrf] of tries) {
        if (csrf === desk.csrf) continue; // an all-digit token has no upper case
        const res = await desk.post(`${API}/staff/noshow`, body, { csrf });
        expectError(res, 403, 'bad_csrf');
        assert.equal((await clientGet(s, token)).status, 'booked', `a write with the ${what} token went through`);
      }
      // The token in the body instead of the header does not count on the API.
      expectError(await desk.post(`${API}/staff/noshow`, { ...body, csrf: desk.csrf }, { csrf: null }), 403, 'bad_csrf');
      // The other session's own pair works, so the token was real.
      const ok = await other.post(`${API}/staff/noshow`, body);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(ok.json.status, 'no_show');
      assert.equal((await other.logout()).status, 204);
      assert.equal((await desk.get(`${API}/staff/me`)).status, 200, 'logging out one session ended another');
    });
  });

  /* ---- roles ---- */

  describe('roles (the roles column of routes.c)', () => {
    let target;
    let rows;
    const withBody = (r) => (r.method === 'POST' && r.path !== '/api/v1/staff/logout'
      ? (r.api ? { json: bodyFor(r.path, target.booking.ticket, target.booking.ref) } : { body: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
      : {});
    before(async () => {
      target = await book(s, 1, RIVERA, at(W(4), '10:00'));
      rows = staffRoutesOfSource();
    });

    test('routes.c gives the API routes the roles API.md and issue 4 state', (t) => {
      const api = Object.fromEntries(rows.filter((r) => r.api).map((r) => [`${r.method} ${r.path}`, r.roles]));
      for (const [k, want] of Object.entries(EXPECTED_API_ROLES)) {
        assert.ok(k in api, `routes.c has no ${k}`);
        assert.deepEqual(api[k], [...want].sort(), `roles of ${k}`);
      }
      const more = Object.keys(api).filter((k) => !(k in EXPECTED_API_ROLES));
      t.diagnostic(`staff rows in routes.c: ${rows.length}; API rows beyond API.md's: ${more.join(', ') || 'none'}`);
    });

    test('no session -> 401 for every staff API route (303 to /staff/login for pages); nothing changes', async () => {
      const before0 = stateOf(s.db);
      for (const r of rows) {
        const what = `${r.method} ${r.path}`;
        const p = r.path.replace(/\*$/, 'x');
        const tries = [
          request(s, r.method, p, withBody(r)),
          // A CSRF token alone is no session, nor is a made-up cookie.
          request(s, r.method, p, { ...withBody(r), headers: { ...(withBody(r).headers || {}), 'X-CSRF-Token': desk.csrf } }),
          desk.request(r.method, p, { ...withBody(r), cookie: randomHex(32) }),
        ];
        for (const res of await Promise.all(tries)) {
          if (r.api) {
            assert.equal(res.status, 401, `${what}: ${res.status} ${res.body.slice(0, 200)}`);
            expectError(res, 401, 'unauthorized');
          } else {
            assert.equal(res.status, 303, `${what}: ${res.status} ${res.body.slice(0, 200)}`);
            assert.equal(res.headers.location, '/staff/login', what);
          }
        }
      }
      assert.equal(stateOf(s.db), before0);
    });

    test('each role on a route it may not use -> 403; nothing changes', async () => {
      const before0 = stateOf(s.db);
      const byRole = { admin, therapist: rivera, desk };
      let n = 0;
      for (const r of rows) {
        const p = r.path.replace(/\*$/, 'x');
        for (const [role, c] of Object.entries(byRole)) {
          if (r.roles.includes(role)) continue;
          const opts = withBody(r);
          const res = r.api ? await c.request(r.method, p, opts)
            : await c.request(r.method, p, { ...opts, csrf: null,
              ...(r.method === 'POST' ? { body: `csrf=${c.csrf}` } : {}) });
          assert.equal(res.status, 403, `${role} ${r.method} ${r.path}: ${res.status} ${res.body.slice(0, 200)}`);
          if (r.api) expectError(res, 403, 'forbidden');
          n++;
        }
      }
      // At least: therapist on checkin, noshow, audit; desk on the 6 hours and
      // time-off routes and audit.
      assert.ok(n >= 10, `only ${n} forbidden pairs`);
      // okafor too, and a forbidden write with no CSRF token is still refused.
      expectError(await okafor.post(`${API}/staff/checkin`, { ticket: target.booking.ticket }), 403, 'forbidden');
      expectError(await okafor.post(`${API}/staff/noshow`, { booking: target.booking.ref }, { csrf: null }), 403);
      expectError(await okafor.get(`${API}/staff/audit`), 403, 'forbidden');
      assert.equal(stateOf(s.db), before0);
      assert.equal((await clientGet(s, target.token)).status, 'booked');
    });
  });

  /* ---- calendar ---- */

  describe('GET /api/v1/staff/calendar', () => {
    const B = {};
    const cal = async (c, q) => {
      const res = await c.get(`${API}/staff/calendar?${new URLSearchParams(q)}`);
      assert.equal(res.status, 200, `calendar ${JSON.stringify(q)}: ${res.status} ${res.body.slice(0, 300)}`);
      assert.deepEqual(Object.keys(res.json), ['bookings']);
      assert.ok(Array.isArray(res.json.bookings));
      return res.json.bookings;
    };
    before(async () => {
      const tue = W0 + 1;
      B.r10 = await book(s, 2, RIVERA, at(tue, '10:00'));
      B.o10 = await book(s, 1, OKAFOR, at(tue, '10:00'));
      B.o14 = await book(s, 3, OKAFOR, at(tue, '14:00'));
      B.r9wed = await book(s, 1, RIVERA, at(tue + 1, '09:00'));
    });

    test('a therapist sees only their own bookings; the desk and the admin see all, in start order', async () => {
      const q = { from: dateOf(W0 + 1), days: 1 };
      const refs = (list) => list.map((b) => b.ref);
      assert.deepEqual(refs(await cal(rivera, q)), [B.r10.booking.ref]);
      assert.deepEqual(refs(await cal(okafor, q)), [B.o10.booking.ref, B.o14.booking.ref]);
      const all = [B.r10, B.o10, B.o14].map((x) => x.booking.ref);
      assert.deepEqual(refs(await cal(desk, q)), all);
      assert.deepEqual(refs(await cal(admin, q)), all);
      // days=2 takes in Wednesday too.
      assert.deepEqual(refs(await cal(rivera, { from: dateOf(W0 + 1), days: 2 })), [B.r10.booking.ref, B.r9wed.booking.ref]);
      // The admin may pick one therapist; a therapist may not pick another.
      assert.deepEqual(refs(await cal(admin, { ...q, therapist: OKAFOR })), [B.o10.booking.ref, B.o14.booking.ref]);
      assert.deepEqual(refs(await cal(rivera, { ...q, therapist: OKAFOR })), [B.r10.booking.ref]);
      assert.deepEqual(refs(await cal(desk, { ...q, therapist: RIVERA })), [B.r10.booking.ref]);
    });

    test('BOOKING fields without ticket or token, the same values the client sees, and a label', async () => {
      const list = await cal(desk, { from: dateOf(W0 + 1), days: 2 });
      assert.equal(list.length, 4);
      for (const x of [B.r10, B.o10, B.o14, B.r9wed]) {
        const b = list.find((y) => y.ref === x.booking.ref);
        const { ticket, ...pub } = x.booking;
        assertStaffBooking(b, pub, x.token);
        assert.ok(!JSON.stringify(b).includes(ticket), 'the staff booking holds the ticket');
      }
      const text = JSON.stringify(list).toUpperCase();
      for (const t of s.tokens) for (const x of tokenParts(t)) assert.ok(!text.includes(x), 'the calendar holds a token');
    });

    test('days 62 is allowed; days 0, 63, bad dates -> 400; no query -> this week', async () => {
      assert.ok((await cal(desk, { from: dateOf(TODAY), days: 62 })).length >= 4);
      for (const q of [{ days: 0 }, { days: 63 }, { days: 'x' }, { from: '2024-13-01' }, { from: 'tomorrow' },
        { from: dateOf(W0), therapist: 'x' }]) {
        expectError(await desk.get(`${API}/staff/calendar?${new URLSearchParams(q)}`), 400);
      }
      const res = await desk.get(`${API}/staff/calendar`);
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.json.bookings));
    });
  });

  /* ---- check-in ---- */

  describe('POST /api/v1/staff/checkin', () => {
    const B = {};
    before(async () => {
      B.a = await book(s, 1, RIVERA, at(W(1), '09:00'));
      B.b = await book(s, 1, RIVERA, at(W(1), '10:00'));
      B.c = await book(s, 1, RIVERA, at(W(1), '11:00'));
      B.d = await book(s, 1, OKAFOR, at(W(1) + 1, '10:00'));
      B.e = await book(s, 1, OKAFOR, at(W(1) + 1, '11:00'));
      B.f = await book(s, 1, RIVERA, at(W(1), '15:00'));
      refs.checkin = B.a.booking.ref;
      refs.adminCheckin = B.f.booking.ref;
    });
    const checkin = (c, ticket) => c.post(`${API}/staff/checkin`, { ticket });

    test('the desk checks a ticket in -> 200 checked_in; the second time -> 409 already_checked_in', async () => {
      const res = await checkin(desk, B.a.booking.ticket);
      assert.equal(res.status, 200, res.body);
      const { ticket, ...pub } = B.a.booking;
      assertStaffBooking(res.json, pub, B.a.token, { status: 'checked_in' });
      assert.equal((await clientGet(s, B.a.token)).status, 'checked_in');
      expectError(await checkin(desk, B.a.booking.ticket), 409, 'already_checked_in');
      expectError(await checkin(admin, B.a.booking.ticket), 409, 'already_checked_in');
    });

    test('forged tickets -> 400 bad_ticket, garbage -> 400; the real one still works after', async () => {
      const t = B.b.booking.ticket;
      const parts = t.split(':');
      assert.equal(parts.length, 5, `ticket ${t}`);
      assert.equal(parts[0], 'SR1');
      const forged = [
        forgeSig(t, 20), forgeSig(t, 1),
        [parts[0], B.a.booking.ref, ...parts.slice(2)].join(':'),	// another booking's ref
        [...parts.slice(0, 2), String(Number(parts[2]) + 1800), ...parts.slice(3)].join(':'), // another time
        t.toLowerCase(), `${t}A`, t.slice(0, -1), 'hello', 'SR1:::::', `SR2${t.slice(3)}`,
      ];
      for (const f of forged) expectError(await checkin(desk, f), 400, 'bad_ticket');
      for (const body of [{}, { ticket: '' }, { ticket: 5 }, { ticket: 'x'.repeat(300) }, '[]', 'nope']) {
        expectError(await desk.post(`${API}/staff/checkin`, body), 400);
      }
      assert.equal((await clientGet(s, B.b.token)).status, 'booked');
      const res = await checkin(desk, t);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.status, 'checked_in');
    });

    test('the ticket of a booking the client moved -> 409 outdated_ticket; the new ticket works', async () => {
      const moved = await request(s, 'POST', `${API}/booking/reschedule`,
        { headers: bearer(B.c.token), json: { start: at(W(1), '14:00') } });
      assert.equal(moved.status, 200, moved.body);
      assert.notEqual(moved.json.ticket, B.c.booking.ticket);
      s.tickets.push(moved.json.ticket);
      expectError(await checkin(desk, B.c.booking.ticket), 409, 'outdated_ticket');
      assert.equal((await clientGet(s, B.c.token)).status, 'booked');
      const res = await checkin(desk, moved.json.ticket);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.status, 'checked_in');
      assert.equal(res.json.start, at(W(1), '14:00'));
    });

    test('the ticket of a cancelled booking -> 409 cancelled', async () => {
      const gone = await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(B.d.token) });
      assert.equal(gone.status, 200, gone.body);
      expectError(await checkin(desk, B.d.booking.ticket), 409, 'cancelled');
      assert.equal((await clientGet(s, B.d.token)).status, 'cancelled');
    });

    test('a client marked as a no-show who turns up is checked in; the admin may check in', async () => {
      const ns = await desk.post(`${API}/staff/noshow`, { booking: B.e.booking.ref });
      assert.equal(ns.status, 200, ns.body);
      assert.equal(ns.json.status, 'no_show');
      const res = await checkin(desk, B.e.booking.ticket);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.status, 'checked_in');
      const adm = await checkin(admin, B.f.booking.ticket);
      assert.equal(adm.status, 200, adm.body);
      assert.equal(adm.json.status, 'checked_in');
    });
  });

  /* ---- no-show and cancel ---- */

  describe('no-show and cancelling as the practice', () => {
    const B = {};
    const REASON = 'Therapist is ill, sorry';
    before(async () => {
      B.g = await book(s, 1, RIVERA, at(W(2), '09:00'));
      B.h = await book(s, 1, RIVERA, at(W(2), '10:00'));
      B.i = await book(s, 1, RIVERA, at(W(2), '11:00'));
      B.j = await book(s, 1, RIVERA, at(W(2), '14:00'));
      refs.noshow = B.g.booking.ref;
      refs.cancel = B.h.booking.ref;
      refs.deskCancel = B.i.booking.ref;
    });

    test('the desk marks a no-show -> no_show; again -> 409; unknown ref -> 404; bad body -> 400', async () => {
      const res = await desk.post(`${API}/staff/noshow`, { booking: B.g.booking.ref });
      assert.equal(res.status, 200, res.body);
      const { ticket, ...pub } = B.g.booking;
      assertStaffBooking(res.json, pub, B.g.token, { status: 'no_show' });
      assert.equal((await clientGet(s, B.g.token)).status, 'no_show');
      expectError(await desk.post(`${API}/staff/noshow`, { booking: B.g.booking.ref }), 409, 'not_booked');
      expectError(await desk.post(`${API}/staff/noshow`, { booking: 'ZZZZZZZZ' }), 404, 'not_found');
      for (const body of [{}, { booking: '' }, { booking: 7 }, 'nope']) {
        expectError(await desk.post(`${API}/staff/noshow`, body), 400);
      }
    });

    test('a therapist cancels their own booking with a reason -> cancelled by the practice; the client sees it', async () => {
      const res = await rivera.post(`${API}/staff/cancel`, { booking: B.h.booking.ref, reason: REASON });
      assert.equal(res.status, 200, res.body);
      const { ticket, ...pub } = B.h.booking;
      assertStaffBooking(res.json, pub, B.h.token, { status: 'cancelled', due_cents: 0 });
      assert.equal(res.json.cancelled_by, 'practice');
      assert.equal(res.json.cancel_reason, REASON);
      const seen = await clientGet(s, B.h.token);
      assert.equal(seen.status, 'cancelled');
      assert.equal(seen.cancelled_by, 'practice');
      // The slot is free again.
      const free = await slots(s, { service: 1, therapist: RIVERA, from: dateOf(W(2)), days: 1 });
      assert.ok(free.some((x) => x.start === at(W(2), '10:00')), 'the cancelled slot is not offered again');
      // The client can no longer move or cancel it.
      expectError(await request(s, 'POST', `${API}/booking/reschedule`, { headers: bearer(B.h.token), json: { start: at(W(2), '15:00') } }),
        409, 'not_active');
      expectError(await request(s, 'POST', `${API}/booking/cancel`, { headers: bearer(B.h.token) }), 409, 'not_active');
      // Nor can staff act on it.
      expectError(await rivera.post(`${API}/staff/cancel`, { booking: B.h.booking.ref }), 409, 'cancelled');
      expectError(await desk.post(`${API}/staff/noshow`, { booking: B.h.booking.ref }), 409, 'cancelled');
      expectError(await desk.post(`${API}/staff/checkin`, { ticket: B.h.booking.ticket }), 409, 'cancelled');
    });

    test('issue 4: the client is shown the reason the practice gave', async () => {
      const seen = await clientGet(s, B.h.token);
      assert.equal(seen.status, 'cancelled');
      assert.ok(JSON.stringify(seen).includes(REASON),
        `the practice's reason is nowhere in the client's GET /api/v1/booking: ${JSON.stringify(seen)}`);
    });

    test('a therapist cannot cancel another therapist\'s booking (404); the desk can, without a reason', async () => {
      expectError(await okafor.post(`${API}/staff/cancel`, { booking: B.i.booking.ref, reason: 'mine?' }), 404, 'not_found');
      assert.equal((await clientGet(s, B.i.token)).status, 'booked');
      const res = await desk.post(`${API}/staff/cancel`, { booking: B.i.booking.ref });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.status, 'cancelled');
      assert.equal(res.json.cancelled_by, 'practice');
      assert.ok(!('cancel_reason' in res.json), `a reason nobody gave: ${res.body}`);
      const seen = await clientGet(s, B.i.token);
      assert.equal(seen.cancelled_by, 'practice');
    });

    test('cancel: a checked-in booking -> 409 not_booked; unknown -> 404; a reason too long -> 400', async () => {
      expectError(await desk.post(`${API}/staff/cancel`, { booking: refs.checkin }), 409, 'not_booked');
      expectError(await rivera.post(`${API}/staff/cancel`, { booking: 'ZZZZZZZZ' }), 404, 'not_found');
      expectError(await rivera.post(`${API}/staff/cancel`, { booking: B.j.booking.ref, reason: 'x'.repeat(201) }), 400);
      expectError(await rivera.post(`${API}/staff/cancel`, { booking: B.j.booking.ref, reason: 'line\nbreak' }), 400);
      assert.equal((await clientGet(s, B.j.token)).status, 'booked');
    });
  });

  /* ---- hours and time off ---- */

  describe('hours and time off', () => {
    const SAT = W(3) + 5;
    const MON = W(3);
    const getHours = async (c, q = '') => {
      const res = await c.get(`${API}/staff/hours${q}`);
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(Object.keys(res.json).sort(), ['hours', 'therapist', 'time_off']);
      return res.json;
    };
    const plain = (list) => list.map(({ weekday: wd, from, to }) => [wd, from, to]);
    const hhmm = (m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
    const riveraSlots = (day) => slots(s, { service: 1, therapist: RIVERA, from: dateOf(day), days: 1 });

    test('a therapist reads their weekly hours', async () => {
      const h = await getHours(rivera);
      assert.equal(h.therapist, RIVERA);
      assert.deepEqual(plain(h.hours), HOURS[RIVERA].map(([wd, a, b]) => [wd, hhmm(a), hhmm(b)]));
      for (const x of h.hours) assert.ok(Number.isInteger(x.id));
      assert.deepEqual(h.time_off, []);
      // /timeoff answers the same.
      assert.deepEqual((await rivera.get(`${API}/staff/timeoff`)).json, h);
    });

    test('adding a range -> 204 and its slots appear; overlapping -> 409; touching is fine; deleting -> gone', async () => {
      assert.deepEqual(await riveraSlots(SAT), []);
      const add = (body) => rivera.post(`${API}/staff/hours`, body);
      const res = await add({ weekday: 6, from: '09:00', to: '11:00' });
      assert.equal(res.status, 204, res.body);
      refs.hoursAdded = true;
      const range = [[6, 540, 660]];
      assert.deepEqual(await riveraSlots(SAT), gridSlots(RIVERA, SAT, 1, range));
      assert.equal((await riveraSlots(SAT)).length, 4);
      for (const [from, to] of [['10:30', '12:00'], ['08:00', '09:30'], ['08:00', '12:00'], ['09:30', '10:00'], ['09:00', '11:00']]) {
        expectError(await add({ weekday: 6, from, to }), 409, 'overlap');
      }
      const touch = await add({ weekday: 6, from: '11:00', to: '12:00' });
      assert.equal(touch.status, 204, `a range that only touches another: ${touch.body}`);
      assert.deepEqual(await riveraSlots(SAT), gridSlots(RIVERA, SAT, 1, [[6, 540, 660], [6, 660, 720]]));
      const h = await getHours(rivera);
      const sat = h.hours.filter((x) => x.weekday === 6);
      assert.deepEqual(plain(sat), [[6, '09:00', '11:00'], [6, '11:00', '12:00']]);
      // Another therapist cannot delete them.
      expectError(await okafor.post(`${API}/staff/hours/delete`, { id: sat[0].id }), 404, 'not_found');
      for (const x of sat) {
        const del = await rivera.post(`${API}/staff/hours/delete`, { id: x.id });
        assert.equal(del.status, 204, del.body);
      }
      assert.deepEqual(await riveraSlots(SAT), []);
      expectError(await rivera.post(`${API}/staff/hours/delete`, { id: sat[0].id }), 404, 'not_found');
      assert.deepEqual(plain((await getHours(rivera)).hours), plain(h.hours.filter((x) => x.weekday !== 6)));
    });

    test('bad hours -> 400', async () => {
      const bad = [
        { weekday: 6, from: '9:00', to: '11:00' }, { weekday: 6, from: '25:00', to: '26:00' },
        { weekday: 6, from: '09:60', to: '11:00' }, { weekday: 6, from: '11:00', to: '11:00' },
        { weekday: 6, from: '11:00', to: '09:00' }, { weekday: 0, from: '09:00', to: '11:00' },
        { weekday: 8, from: '09:00', to: '11:00' }, { from: '09:00', to: '11:00' },
        { weekday: 6, from: '09:00' }, { weekday: 6, from: '24:30', to: '24:45' }, { weekday: 6, from: 'ab:cd', to: '11:00' },
        '{"weekday": 6', '[]',
      ];
      for (const body of bad) expectError(await rivera.post(`${API}/staff/hours`, body), 400);
      for (const body of [{}, { id: 'x' }, { id: 0 }]) expectError(await rivera.post(`${API}/staff/hours/delete`, body), 400);
      assert.deepEqual((await getHours(rivera)).hours.filter((x) => x.weekday === 6), []);
    });

    test('time off for a day -> its slots disappear; deleting it -> they are back', async () => {
      const full = gridSlots(RIVERA, MON, 1);
      assert.deepEqual(await riveraSlots(MON), full);
      const res = await rivera.post(`${API}/staff/timeoff`, { from: dateOf(MON) });
      assert.equal(res.status, 204, res.body);
      assert.deepEqual(await riveraSlots(MON), []);
      assert.deepEqual(await riveraSlots(MON + 1), gridSlots(RIVERA, MON + 1, 1), 'time off reached the next day');
      const h = await getHours(rivera);
      assert.deepEqual(h.time_off.map(({ from, to }) => [from, to]), [[dateOf(MON), dateOf(MON)]]);
      // Another therapist cannot delete it.
      expectError(await okafor.post(`${API}/staff/timeoff/delete`, { id: h.time_off[0].id }), 404, 'not_found');
      const del = await rivera.post(`${API}/staff/timeoff/delete`, { id: h.time_off[0].id });
      assert.equal(del.status, 204, del.body);
      assert.deepEqual(await riveraSlots(MON), full);
      expectError(await rivera.post(`${API}/staff/timeoff/delete`, { id: h.time_off[0].id }), 404, 'not_found');
      // A range of days; to before from -> 400.
      const r2 = await rivera.post(`${API}/staff/timeoff`, { from: dateOf(MON + 1), to: dateOf(MON + 2) });
      assert.equal(r2.status, 204, r2.body);
      assert.deepEqual(await riveraSlots(MON + 1), []);
      assert.deepEqual(await riveraSlots(MON + 2), []);
      assert.deepEqual(await riveraSlots(MON + 3), gridSlots(RIVERA, MON + 3, 1));
      const id2 = (await getHours(rivera)).time_off[0].id;
      assert.equal((await rivera.post(`${API}/staff/timeoff/delete`, { id: id2 })).status, 204);
      assert.deepEqual(await riveraSlots(MON + 1), gridSlots(RIVERA, MON + 1, 1));
      for (const body of [{ from: dateOf(MON + 2), to: dateOf(MON + 1) }, { from: 'monday' }, {}, { to: dateOf(MON) }]) {
        expectError(await rivera.post(`${API}/staff/timeoff`, body), 400);
      }
      assert.deepEqual((await getHours(rivera)).time_off, []);
    });

    test('the admin edits a therapist\'s hours by id; a therapist only ever their own', async () => {
      const okaforHours = plain((await getHours(okafor)).hours);
      const viaAdmin = await getHours(admin, `?therapist=${OKAFOR}`);
      assert.equal(viaAdmin.therapist, OKAFOR);
      assert.deepEqual(plain(viaAdmin.hours), okaforHours);
      // rivera asking for okafor's hours is refused.
      expectError(await rivera.get(`${API}/staff/hours?therapist=${OKAFOR}`), 403, 'forbidden');
      const add = await admin.post(`${API}/staff/hours`, { therapist: OKAFOR, weekday: 1, from: '08:00', to: '09:00' });
      assert.equal(add.status, 204, add.body);
      const mon = await slots(s, { service: 1, therapist: OKAFOR, from: dateOf(MON), days: 1 });
      assert.deepEqual(mon, gridSlots(OKAFOR, MON, 1, [[1, 480, 540]]));
      const id = (await getHours(okafor)).hours.find((x) => x.weekday === 1).id;
      assert.equal((await admin.post(`${API}/staff/hours/delete`, { therapist: OKAFOR, id })).status, 204);
      assert.deepEqual(plain((await getHours(okafor)).hours), okaforHours);
      // rivera naming okafor in a write is refused and changes nothing.
      const r = await rivera.post(`${API}/staff/hours`, { therapist: OKAFOR, weekday: 7, from: '09:00', to: '10:00' });
      expectError(r, 403, 'forbidden');
      assert.deepEqual(plain((await getHours(okafor)).hours), okaforHours, 'a therapist changed another\'s hours');
      assert.deepEqual(plain((await getHours(rivera)).hours), HOURS[RIVERA].map(([wd, a, b]) => [wd, hhmm(a), hhmm(b)]));
    });
  });

  /* ---- password ---- */

  describe('POST /api/v1/staff/password', () => {
    test('wrong current -> 403, too short -> 400; right -> 204, every session of theirs ends, the new password works', async () => {
      const p1 = client('pw');
      const p2 = client('pw');
      await p1.loginOk();
      await p2.loginOk();
      const old = acc.pw.password;
      const next = `new-pw-${randomHex(8)}`;
      acc.pw.newPassword = next;
      const change = (body, opts) => p1.post(`${API}/staff/password`, body, opts);
      expectError(await change({ current: old, new: next }, { csrf: null }), 403, 'bad_csrf');
      expectError(await change({ current: `${old}x`, new: next }), 403, 'wrong_password');
      assert.equal((await p1.get(`${API}/staff/me`)).status, 200, 'a wrong current password ended the session');
      expectError(await change({ current: old, new: '123456789' }), 400, 'weak_password');
      expectError(await change({ current: old, new: 'x'.repeat(257) }), 400);
      for (const body of [{ current: old }, { new: next }, {}, 'nope']) expectError(await change(body), 400);
      const before0 = sql(s.db, "SELECT password_hash FROM staff WHERE username = 'pw'");
      const ok = await change({ current: old, new: next });
      assert.equal(ok.status, 204, ok.body);
      assert.notEqual(sql(s.db, "SELECT password_hash FROM staff WHERE username = 'pw'"), before0);
      expectError(await p1.get(`${API}/staff/me`), 401, 'unauthorized');
      expectError(await p2.get(`${API}/staff/me`), 401, 'unauthorized');
      // The old password with a good code fails, and leaves the code unused.
      const p3 = client('pw');
      const oldTry = await p3.login({ password: old });
      expectError(oldTry, 401, 'invalid_login');
      if (invalidLoginBody) assert.equal(oldTry.body, invalidLoginBody);
      const res = await p3.login({ password: next, step: oldTry.step });
      assert.equal(res.status, 200, `the new password: ${res.body}`);
      acc.pw.password = next;
      assert.equal((await p3.get(`${API}/staff/me`)).status, 200);
    });
  });

  /* ---- disabled accounts ---- */

  describe('disabled accounts', () => {
    test('saferoomctl staff disable on the running server: the session ends and the right login gets the usual 401', async (t) => {
      if (!hasDisable) { t.skip('saferoomctl has no `staff disable`'); return; }
      const c = clients.find((x) => x.account.username === 'gone' && x.cookie);
      assert.ok(c, 'the login of gone did not run');
      assert.equal((await c.get(`${API}/staff/me`)).status, 200);
      ctlOk(s.db, 'staff', 'disable', '--username', 'gone');
      expectError(await c.get(`${API}/staff/me`), 401, 'unauthorized');
      const res = await c.login();
      expectError(res, 401, 'invalid_login');
      assert.ok(invalidLoginBody, 'the login test did not run');
      assert.equal(res.body, invalidLoginBody, 'a disabled account is told apart');
      assert.deepEqual(setCookies(res), []);
      ctlOk(s.db, 'staff', 'enable', '--username', 'gone');
      const again = await c.login({ step: res.step });
      assert.equal(again.status, 200, `after enable: ${again.body}`);
    });
  });

  /* ---- audit ---- */

  describe('GET /api/v1/staff/audit', () => {
    test('the admin reads who did what to which booking; never a token, ticket, password or session secret', async () => {
      const res = await admin.get(`${API}/staff/audit`);
      assert.equal(res.status, 200, res.body);
      assert.deepEqual(Object.keys(res.json), ['entries']);
      const e = res.json.entries;
      assert.ok(e.length > 20, `only ${e.length} entries`);
      const t0 = Date.now();
      for (const x of e) {
        assert.deepEqual(Object.keys(x).sort(), ['action', 'at', 'booking', 'detail', 'staff']);
        assert.match(x.at, RFC3339_RE);
        assert.ok(msOf(x.at) <= t0 + 2000 && msOf(x.at) >= t0 - 10 * 60000, `at ${x.at}`);
      }
      for (let i = 1; i < e.length; i++) assert.ok(msOf(e[i - 1].at) >= msOf(e[i].at), 'not newest first');
      const has = (staff, action, booking) => e.some((x) => x.staff === staff && x.action === action
        && (booking === undefined || x.booking === booking));
      for (const u of ['admin', 'rivera', 'okafor', 'desk', 'desk2', 'fresh', 'fails', 'gone', 'pw']) {
        assert.ok(has(u, 'login'), `no login of ${u}`);
      }
      assert.ok(has('desk2', 'logout', ''), 'no logout');
      assert.ok(has('desk', 'checkin', refs.checkin), `no checkin of ${refs.checkin} by desk`);
      assert.ok(has('admin', 'checkin', refs.adminCheckin), 'no checkin by admin');
      assert.ok(has('desk', 'no_show', refs.noshow), `no no_show of ${refs.noshow}`);
      assert.ok(has('rivera', 'cancel', refs.cancel), `no cancel of ${refs.cancel} by rivera`);
      assert.ok(has('desk', 'cancel', refs.deskCancel), 'no cancel by desk');
      for (const a of ['hours_add', 'hours_delete', 'timeoff_add', 'timeoff_delete']) {
        assert.ok(has('rivera', a, ''), `no ${a} by rivera`);
      }
      assert.ok(has('admin', 'hours_add'), 'no hours_add by admin');
      assert.ok(has('pw', 'password_changed'), 'no password change');
      if (hasDisable) assert.ok(e.some((x) => x.action === 'account_disabled' && x.detail === 'gone'), 'no account_disabled');
      // Refused actions leave no entry.
      assert.ok(!has('okafor', 'cancel'), 'a refused cancel was audited');
      assert.ok(!has('rivera', 'checkin'), 'a forbidden checkin was audited');
      assert.ok(!e.some((x) => x.staff === 'nobody-here'), 'an unknown user is named');
      const text = JSON.stringify(res.json);
      const up = text.toUpperCase();
      for (const t of s.tokens) for (const x of tokenParts(t)) assert.ok(!up.includes(x), 'the audit holds a token');
      for (const t of s.tickets) assert.ok(!text.includes(t), 'the audit holds a ticket');
      for (const a of Object.values(acc)) {
        for (const x of [a.password, a.newPassword, a.totp_secret]) if (x) assert.ok(!text.includes(x), `the audit holds a secret of ${a.username}`);
      }
      for (const c of clients) for (const x of [...c.cookies, ...c.csrfs]) assert.ok(!text.includes(x), 'the audit holds a session secret');
    });
  });

  /* ---- privacy ---- */

  describe('privacy', () => {
    test('the database holds no session id or CSRF token; the log no cookie, csrf, password or TOTP secret', async () => {
      const cookies = clients.flatMap((c) => c.cookies);
      const csrfs = clients.flatMap((c) => c.csrfs);
      assert.ok(cookies.length >= 15, `only ${cookies.length} sessions`);
      const secrets = Object.values(acc).flatMap((a) => [a.password, a.newPassword, a.totp_secret]).filter(Boolean);
      const scan = (file, what) => {
        const buf = fs.readFileSync(file);
        const text = buf.toString('latin1');
        for (const c of cookies) {
          assert.ok(!text.toLowerCase().includes(c), `${what} holds a session id in hex`);
          assert.ok(buf.indexOf(Buffer.from(c, 'hex')) < 0, `${what} holds a session id`);
        }
        for (const c of csrfs) assert.ok(!text.toLowerCase().includes(c), `${what} holds a CSRF token`);
        for (const x of secrets) assert.ok(!text.includes(x), `${what} holds a password or TOTP secret in text`);
      };
      for (const f of fs.readdirSync(s.dir)) if (f.startsWith('saferoom.db')) scan(path.join(s.dir, f), `${f} (running)`);
      const exit = await s.stop();
      assert.equal(exit.code, 0, `saferoomd exited ${JSON.stringify(exit)}`);
      for (const f of fs.readdirSync(s.dir)) if (f.startsWith('saferoom.db')) scan(path.join(s.dir, f), `${f} (stopped)`);
      const log = s.log();
      assert.match(log, /\/api\/v1\/staff\/login/, 'the debug log does not show the requests');
      const lower = log.toLowerCase();
      for (const c of cookies) assert.ok(!lower.includes(c), 'the log holds a session cookie');
      for (const c of csrfs) assert.ok(!lower.includes(c), 'the log holds a CSRF token');
      for (const x of secrets) assert.ok(!log.includes(x), 'the log holds a password or TOTP secret');
      for (const a of Object.values(acc)) {
        assert.ok(!lower.includes(base32Decode(a.totp_secret).toString('hex')), 'the log holds a TOTP secret in hex');
      }
      assert.ok(!log.includes('127.0.0.1'), 'the log holds the client address');
    });
  });
});

/* ---- login rate limits --------------------------------------------------------------- */

describe('failed logins are limited per account and per address', () => {
  let s;
  let acc;
  const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
  before(async () => {
    s = await startServer({ setup: (db) => { acc = ctlDemo(db).by; } });
  });
  after(async () => { if (s) await s.stop(); });

  // Failures from this test's one address, to stay in step with the limit of 20.
  let addrFails = 0;

  test('a wrong password and an unknown user take about the same time (both run scrypt)', async (t) => {
    const c = new StaffClient(s, acc.rivera);
    const wrong = []; const unknown = [];
    for (let i = 0; i < 3; i++) {
      for (const [list, opts] of [[wrong, { password: 'wrong-password!' }], [unknown, { username: `nobody${i}` }]]) {
        const t0 = process.hrtime.bigint();
        const res = await c.login({ ...opts, totp: '000000' });
        list.push(Number(process.hrtime.bigint() - t0) / 1e6);
        expectError(res, 401, 'invalid_login');
        addrFails++;
      }
    }
    const mw = median(wrong); const mu = median(unknown);
    const info = `wrong password ${wrong.map((x) => x.toFixed(1))} ms, unknown ${unknown.map((x) => x.toFixed(1))} ms`;
    t.diagnostic(info);
    assert.ok(mu <= 2 * mw && mw <= 2 * mu, `medians ${mw.toFixed(1)} vs ${mu.toFixed(1)} ms: ${info}`);
  });

  test('after 5 failed logins for one account -> 429 with Retry-After, even with the right password and code', async () => {
    const c = new StaffClient(s, acc.rivera);
    // rivera has 3 failures from the test before.
    for (let i = 0; i < 2; i++) {
      expectError(await c.login({ password: `wrong-${i}-password`, totp: '000000' }), 401, 'invalid_login');
      addrFails++;
    }
    const res = await c.login();
    expectError(res, 429, 'too_many_requests');
    const ra = Number(res.headers['retry-after']);
    assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 15 * 60, `Retry-After ${res.headers['retry-after']}`);
    assert.deepEqual(setCookies(res), []);
    // Another account from the same address is not held back.
    const o = new StaffClient(s, acc.okafor);
    await o.loginOk();
    expectError(await c.login({ step: res.step }), 429);
  });

  test('after 20 failed logins from one address -> 429 for any account', async () => {
    // Unknown users, one failure each, up to the address limit.
    let i = 0;
    while (addrFails < 20) {
      expectError(await new StaffClient(s, acc.desk).login({ username: `ghost${i++}`, password: 'wrong-password!' }), 401, 'invalid_login');
      addrFails++;
    }
    const res = await new StaffClient(s, acc.desk).login();
    expectError(res, 429, 'too_many_requests');
    assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `Retry-After ${res.headers['retry-after']}`);
    expectError(await new StaffClient(s, acc.admin).login(), 429);
  });
});
