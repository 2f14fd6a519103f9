// Defences docs/threat-model.md named but no test checked, against the real
// saferoomd over real TLS:
//   - a write from another site (Sec-Fetch-Site: cross-site, or an Origin
//     that is not this host) is refused with 403 cross_site and writes
//     nothing, on the JSON API and on the page forms; the same write from
//     this site, or from a client that sends neither header, goes through
//     (http_cross_site() in server/http.c);
//   - the client's manage cookie (server/pages.c) holds no booking code, has
//     the __Host- flags and a 20-minute life, and a forged, tampered or
//     expired one is refused: the page asks for the code again;
//   - pages and API answers say Cache-Control: no-store, Permissions-Policy
//     and Referrer-Policy: no-referrer, and no Server header;
//   - the therapist's calendar feed (staff_feed_ics() in server/staff.c)
//     holds the times but a neutral "Appointment", no service, booking
//     reference or code; a wrong secret and a replaced URL get 404.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import {
  ctlOk, ctlDemo, startServer, request, expectError, StaffClient,
  setCookies, parseSetCookie,
} from '../lib/harness.mjs';
import { sql, num, quote, freeSlots, book } from '../lib/books.mjs';

const API = '/api/v1';
const MANAGE_COOKIE = '__Host-saferoom-manage';
const MANAGE_TTL_S = 20 * 60;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

const ungroup = (tok) => tok.replace(/-/g, '');
const lookupOf = (tok) => ungroup(tok).slice(0, 8);
const secretOf = (tok) => ungroup(tok).slice(8);
const nowS = () => Math.floor(Date.now() / 1000);
const bookingCount = (db) => num(db, 'SELECT count(*) FROM bookings');

/** The demo clinic, bookable at once and without the per-address booking limit. */
function setup(db) {
  const demo = ctlDemo(db);
  for (const [k, v] of Object.entries({ min_notice_minutes: 0, booking_rate_per_hour: 0 })) {
    ctlOk(db, 'settings', 'set', k, String(v));
  }
  return demo;
}

/** POST /api/v1/bookings of slot that must answer 201; returns {token, booking}. */
async function bookOk(s, slot, opts = {}) {
  const res = await book(s, slot, opts);
  assert.equal(res.status, 201, `book ${JSON.stringify(slot)}: ${res.status} ${res.body.slice(0, 300)}`);
  return res.json;
}

/** The slot as the /book form posts it. */
const bookForm = (slot) => new URLSearchParams({
  service: String(slot.service), therapist: String(slot.therapist), start: slot.start,
}).toString();

/** Asserts res is the 403 cross_site refusal, as JSON (API) or as a page. */
function expectCrossSite(res, api, what) {
  if (api) {
    expectError(res, 403, 'cross_site');
  } else {
    assert.equal(res.status, 403, `${what}: ${res.status} ${res.body.slice(0, 300)}`);
    assert.match(res.headers['content-type'] ?? '', /^text\/html\b/, what);
    assert.match(res.body, /other sites are not accepted/, what);
  }
  assert.deepEqual(setCookies(res), [], `${what}: a refused write set a cookie`);
}

/** The manage cookie an answer sets, parsed; fails the test if there is none. */
function manageCookieOf(res) {
  const c = setCookies(res).map(parseSetCookie).find((x) => x.name === MANAGE_COOKIE);
  assert.ok(c, `no ${MANAGE_COOKIE} in ${JSON.stringify(res.headers['set-cookie'])}`);
  return c;
}

/** POST /manage with a booking code, as the form sends it. */
const openManage = (s, token, headers = {}) => request(s, 'POST', '/manage', {
  body: new URLSearchParams({ code: token }).toString(), headers: { ...FORM, ...headers },
});

/** GET /manage/booking with a manage cookie value. */
const managePage = (s, value) => request(s, 'GET', '/manage/booking', {
  headers: { Cookie: `${MANAGE_COOKIE}=${value}` },
});

/** Asserts res is the refusal of a manage cookie: 401, a page asking for the code. */
function expectCodeAgain(res, what, ref) {
  assert.equal(res.status, 401, `${what}: ${res.status} ${res.body.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^text\/html\b/, what);
  assert.match(res.body, /enter your booking code again/, what);
  if (ref) assert.ok(!res.body.includes(ref), `${what}: the refusal shows booking ${ref}`);
}

/* ---- cross-site writes -------------------------------------------------------------- */

describe('cross-site writes', () => {
  let s;
  let slots;
  before(async () => {
    s = await startServer({ setup });
    slots = await freeSlots(s, 1, 8);
    assert.equal(slots.length, 8, 'not enough free slots');
  });
  after(async () => { await s?.stop(); });

  const ours = () => `https://127.0.0.1:${s.port}`;
  const refused = () => [
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Origin: https://evil.example', { Origin: 'https://evil.example' }],
    ['Origin of this host over http', { Origin: `http://127.0.0.1:${s.port}` }],
    ['Sec-Fetch-Site: cross-site with this Origin', { 'Sec-Fetch-Site': 'cross-site', Origin: ours() }],
  ];
  const accepted = () => [
    ['Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin' }],
    ['this Origin', { Origin: ours() }],
    ['Origin: null (our pages, no-referrer)', { Origin: 'null' }],
    ['neither header (a script, a scanner app)', {}],
  ];

  test('POST /api/v1/bookings from another site -> 403 cross_site, nothing written; from this site or a non-browser client -> 201', async () => {
    const before0 = bookingCount(s.db);
    for (const [what, headers] of refused()) {
      expectCrossSite(await book(s, slots[0], { headers }), true, what);
      assert.equal(bookingCount(s.db), before0, `${what}: a refused booking was written`);
    }
    // The slot the refused requests named is still free: the first accepted takes it.
    let i = 0;
    for (const [what, headers] of accepted()) {
      const res = await book(s, slots[i++], { headers });
      assert.equal(res.status, 201, `${what}: ${res.status} ${res.body.slice(0, 300)}`);
      assert.equal(bookingCount(s.db), before0 + i, `${what}: no booking written`);
    }
  });

  test('the /book form from another site -> 403 page, nothing written; from this site -> the done page', async () => {
    const slot = slots[4];
    const before0 = bookingCount(s.db);
    for (const [what, headers] of refused()) {
      const res = await request(s, 'POST', '/book', { body: bookForm(slot), headers: { ...FORM, ...headers } });
      expectCrossSite(res, false, `/book ${what}`);
      assert.equal(bookingCount(s.db), before0, `/book ${what}: a refused booking was written`);
    }
    const res = await request(s, 'POST', '/book', {
      body: bookForm(slot), headers: { ...FORM, 'Sec-Fetch-Site': 'same-origin' },
    });
    assert.equal(res.status, 200, `/book same-origin: ${res.status} ${res.body.slice(0, 300)}`);
    manageCookieOf(res);
    assert.equal(bookingCount(s.db), before0 + 1);
  });

  test('/manage and /manage/cancel from another site -> 403, no cookie, the booking stays; from this site they work', async () => {
    const b = await bookOk(s, slots[5]);
    for (const [what, headers] of refused()) {
      expectCrossSite(await openManage(s, b.token, headers), false, `/manage ${what}`);
    }
    const opened = await openManage(s, b.token, { 'Sec-Fetch-Site': 'same-origin' });
    assert.equal(opened.status, 303, opened.body.slice(0, 300));
    const cookie = manageCookieOf(opened).value;
    const status = () => sql(s.db, `SELECT status FROM bookings WHERE ref = ${quote(b.booking.ref)}`);
    const cancel = (headers) => request(s, 'POST', '/manage/cancel', {
      body: '', headers: { ...FORM, Cookie: `${MANAGE_COOKIE}=${cookie}`, ...headers },
    });
    const was = status();
    assert.notEqual(was, 'cancelled');
    for (const [what, headers] of refused()) {
      expectCrossSite(await cancel(headers), false, `/manage/cancel ${what}`);
      assert.equal(status(), was, `/manage/cancel ${what}: the booking changed`);
    }
    const res = await cancel({ Origin: ours() });
    assert.equal(res.status, 303, `/manage/cancel this Origin: ${res.status} ${res.body.slice(0, 300)}`);
    assert.equal(status(), 'cancelled');
  });
});

/* ---- the client's manage cookie -------------------------------------------------- */

describe('the manage cookie', () => {
  let s;
  let A;
  let B;
  let cookie;
  let rawCookies;
  let macKey;
  before(async () => {
    s = await startServer({ setup });
    const slots = await freeSlots(s, 1, 2);
    A = await bookOk(s, slots[0]);
    B = await bookOk(s, slots[1]);
    A.id = num(s.db, `SELECT id FROM bookings WHERE ref = ${quote(A.booking.ref)}`);
    B.id = num(s.db, `SELECT id FROM bookings WHERE ref = ${quote(B.booking.ref)}`);
    // The MAC key from the key file beside the database (keys.c: "mac ID HEX ...").
    const line = fs.readFileSync(`${s.db}.keys`, 'utf8').split('\n').find((l) => l.startsWith('mac '));
    assert.ok(line, 'no mac line in the key file');
    macKey = Buffer.from(line.split(' ')[2], 'hex');
    assert.equal(macKey.length, 32);
  });
  after(async () => { await s?.stop(); });

  /** A cookie value as pages_cookie_set() makes it: ID.EXP.MAC (16 bytes of HMAC, hex). */
  const craft = (id, exp) => {
    const payload = `${id}.${exp}`;
    const mac = crypto.createHmac('sha256', macKey)
      .update(Buffer.concat([Buffer.from('manage-cookie\0'), Buffer.from(payload)])).digest();
    return `${payload}.${mac.subarray(0, 16).toString('hex')}`;
  };

  test('typing the code on /manage sets it: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain, 20 minutes', async () => {
    const t0 = nowS();
    const res = await openManage(s, A.token);
    assert.equal(res.status, 303, res.body.slice(0, 300));
    assert.equal(res.headers.location, '/manage/booking');
    rawCookies = setCookies(res);
    assert.equal(rawCookies.length, 1, `not one cookie: ${JSON.stringify(rawCookies)}`);
    const c = manageCookieOf(res);
    assert.equal(c.attrs.secure, true, 'not Secure');
    assert.equal(c.attrs.httponly, true, 'not HttpOnly');
    assert.equal(String(c.attrs.samesite).toLowerCase(), 'strict', 'not SameSite=Strict');
    assert.equal(c.attrs.path, '/');
    assert.ok(!('domain' in c.attrs), `a __Host- cookie with a Domain: ${JSON.stringify(c.attrs)}`);
    assert.ok('max-age' in c.attrs || 'expires' in c.attrs, 'neither Max-Age nor Expires: a cookie for the whole browser session');
    if ('max-age' in c.attrs) {
      const age = Number(c.attrs['max-age']);
      assert.ok(age > 0 && age <= MANAGE_TTL_S, `Max-Age ${c.attrs['max-age']}`);
    }
    if ('expires' in c.attrs) {
      const exp = Date.parse(c.attrs.expires) / 1000;
      assert.ok(exp > t0 && exp <= t0 + MANAGE_TTL_S + 5, `Expires ${c.attrs.expires}`);
    }
    cookie = c.value;
    assert.equal((await managePage(s, cookie)).status, 200, 'the cookie does not open the booking');
  });

  test('the cookie holds no booking code, neither whole nor its lookup or secret part', () => {
    assert.ok(cookie && rawCookies, 'the test before set no cookie');
    for (const [what, part] of [['code', A.token], ['code without dashes', ungroup(A.token)],
      ['lookup part', lookupOf(A.token)], ['secret part', secretOf(A.token)]]) {
      for (const raw of rawCookies) {
        assert.ok(!decodeURIComponent(raw).toUpperCase().includes(part.toUpperCase()),
          `the Set-Cookie ${raw} holds the ${what}`);
      }
    }
    // What it does hold: the booking id, the expiry 20 minutes ahead and a MAC.
    const m = /^(\d+)\.(\d+)\.([0-9a-f]{32})$/.exec(cookie);
    assert.ok(m, `cookie ${cookie} is not ID.EXP.MAC`);
    assert.equal(Number(m[1]), A.id);
    assert.ok(Math.abs(Number(m[2]) - (nowS() + MANAGE_TTL_S)) <= 60, `expiry ${m[2]}, now ${nowS()}`);
    // The key read from the key file makes the same MAC (so the crafted cookies below are right).
    assert.equal(craft(m[1], m[2]), cookie);
  });

  test('a forged cookie -> 401, the page asks for the code again', async () => {
    const [id, exp, mac] = cookie.split('.');
    const flip = (hex, i) => hex.slice(0, i) + (hex[i] === '0' ? '1' : '0') + hex.slice(i + 1);
    const forged = [
      ['another booking\'s id with this MAC', `${B.id}.${exp}.${mac}`],
      ['id + 1', `${Number(id) + 1}.${exp}.${mac}`],
      ['a later expiry', `${id}.${Number(exp) + 3600}.${mac}`],
      ['an earlier expiry', `${id}.${Number(exp) - 60}.${mac}`],
      ['the MAC changed in its first symbol', `${id}.${exp}.${flip(mac, 0)}`],
      ['the MAC changed in its last symbol', `${id}.${exp}.${flip(mac, 31)}`],
      ['the MAC cut short', `${id}.${exp}.${mac.slice(0, 31)}`],
      ['no MAC', `${id}.${exp}`],
      ['the MAC of another key', craft(id, exp).replace(/\.[0-9a-f]{32}$/, `.${crypto.randomBytes(16).toString('hex')}`)],
      ['the booking code itself', A.token],
      ['empty', ''],
    ];
    for (const [what, value] of forged) {
      expectCodeAgain(await managePage(s, value), what, A.booking.ref);
    }
    expectCodeAgain(await request(s, 'GET', '/manage/booking'), 'no cookie', A.booking.ref);
    // The real one still works.
    assert.equal((await managePage(s, cookie)).status, 200);
  });

  test('an expired cookie, MAC and all, -> 401; one a second from its end still opens the booking', async () => {
    // Crafted with the server's own key: only the expiry refuses these.
    expectCodeAgain(await managePage(s, craft(A.id, nowS() - 1)), 'expired a second ago', A.booking.ref);
    expectCodeAgain(await managePage(s, craft(A.id, nowS() - MANAGE_TTL_S)), 'expired 20 minutes ago', A.booking.ref);
    const res = await managePage(s, craft(A.id, nowS() + 60));
    assert.equal(res.status, 200, `a live crafted cookie: ${res.status} ${res.body.slice(0, 200)}`);
  });

  test('"Close this booking on this device" clears the cookie', async () => {
    const res = await request(s, 'POST', '/manage/forget', {
      body: '', headers: { ...FORM, Cookie: `${MANAGE_COOKIE}=${cookie}` },
    });
    assert.ok(res.status === 303 || res.status === 200, `${res.status} ${res.body.slice(0, 200)}`);
    const c = manageCookieOf(res);
    assert.equal(c.value, '');
    assert.equal(c.attrs['max-age'], '0');
  });
});

/* ---- headers on pages and API answers ---------------------------------------------- */

describe('headers on pages and API answers', () => {
  let s;
  before(async () => { s = await startServer({ setup }); });
  after(async () => { await s?.stop(); });

  test('Cache-Control: no-store, Permissions-Policy, Referrer-Policy: no-referrer, no Server header', async () => {
    const from = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
    const answers = [
      ['GET /', await request(s, 'GET', '/'), 200],
      ['GET /book', await request(s, 'GET', '/book'), 200],
      ['GET /manage', await request(s, 'GET', '/manage'), 200],
      ['GET /staff/login', await request(s, 'GET', '/staff/login'), 200],
      ['GET /manage/booking without a cookie', await request(s, 'GET', '/manage/booking'), 401],
      ['GET /api/v1/services', await request(s, 'GET', `${API}/services`), 200],
      ['GET /api/v1/slots', await request(s, 'GET', `${API}/slots?service=1&from=${from}&days=7`), 200],
      ['GET /api/v1/booking without a code', await request(s, 'GET', `${API}/booking`), 401],
      ['POST /api/v1/bookings malformed', await request(s, 'POST', `${API}/bookings`, { json: {} }), 400],
      ['GET /api/v1/nothing', await request(s, 'GET', `${API}/nothing`), 404],
    ];
    for (const [what, res, status] of answers) {
      const h = res.headers;
      const ctx = `${what}: ${JSON.stringify(h)}`;
      assert.equal(res.status, status, `${what}: ${res.status} ${res.body.slice(0, 200)}`);
      assert.equal(h['cache-control'], 'no-store', `Cache-Control ${ctx}`);
      assert.ok(h['permissions-policy'], `no Permissions-Policy ${ctx}`);
      assert.match(h['permissions-policy'], /(^|,\s*)geolocation=\(\)/, `Permissions-Policy ${ctx}`);
      assert.match(h['permissions-policy'], /(^|,\s*)microphone=\(\)/, `Permissions-Policy ${ctx}`);
      assert.equal(h['referrer-policy'], 'no-referrer', `Referrer-Policy ${ctx}`);
      assert.ok(!('server' in h), `a Server header ${ctx}`);
      assert.ok(!('x-powered-by' in h), `an X-Powered-By header ${ctx}`);
    }
    // Only the static files may be cached, and they say so.
    const css = await request(s, 'GET', '/static/style.css');
    assert.equal(css.status, 200);
    assert.match(css.headers['cache-control'] ?? '', /^public\b/);
    assert.ok(!('server' in css.headers));
  });
});

/* ---- the therapist's calendar feed -------------------------------------------------- */

describe('the therapist\'s calendar feed', () => {
  let s;
  let rivera;
  let me;
  let own;
  let other;
  let services;
  before(async () => {
    let demo;
    s = await startServer({ setup: (db) => { demo = setup(db); } });
    rivera = new StaffClient(s, demo.by.rivera);
    await rivera.loginOk();
    me = (await rivera.get(`${API}/staff/me`)).json;
    assert.equal(me.role, 'therapist');
    services = (await request(s, 'GET', `${API}/services`)).json;
    const list = Array.isArray(services) ? services : services.services;
    assert.ok(Array.isArray(list) && list.length > 0, `services: ${JSON.stringify(services)}`);
    services = list;
    const slots = await freeSlots(s, services[0].id, 40);
    const mine = slots.find((x) => x.therapist === me.id);
    const theirs = slots.find((x) => x.therapist !== me.id && x.start !== mine?.start);
    assert.ok(mine && theirs, `no slot of therapist ${me.id} and another: ${JSON.stringify(slots)}`);
    own = await bookOk(s, mine);
    other = await bookOk(s, theirs);
  });
  after(async () => { await s?.stop(); });

  /** 20260302T090000Z of an RFC 3339 time. */
  const icsTime = (rfc3339) => new Date(rfc3339).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const feedPath = (url) => {
    const m = /\/feed\/[0-9a-f]{64}\.ics$/.exec(url);
    assert.ok(m, `feed url ${url}`);
    return m[0];
  };
  let path1;

  test('the feed holds the times of the own booking, "Appointment", no service, reference or code', async () => {
    const res = await rivera.post(`${API}/staff/feed`, {});
    assert.equal(res.status, 200, res.body.slice(0, 300));
    path1 = feedPath(res.json.url);
    const ics = await request(s, 'GET', path1);
    assert.equal(ics.status, 200, ics.body.slice(0, 300));
    assert.match(ics.headers['content-type'] ?? '', /^text\/calendar\b/);
    assert.equal(ics.headers['cache-control'], 'no-store');
    const body = ics.body;
    const events = body.split('BEGIN:VEVENT').slice(1);
    assert.equal(events.length, 1, `not exactly the one own booking: ${body}`);
    const ev = events[0];
    assert.match(ev, new RegExp(`\r\nDTSTART:${icsTime(own.booking.start)}\r\n`), ev);
    assert.match(ev, new RegExp(`\r\nDTEND:${icsTime(own.booking.end)}\r\n`), ev);
    assert.match(ev, /\r\nSUMMARY:Appointment\r\n/, ev);
    assert.ok(!body.includes(icsTime(other.booking.start)), 'another therapist\'s booking is in the feed');
    const upper = body.toUpperCase();
    for (const svc of services) {
      assert.ok(!upper.includes(String(svc.name).toUpperCase()), `the feed names service ${svc.name}: ${body}`);
    }
    for (const [what, part] of [
      ['booking reference', own.booking.ref],
      ['label', `Client ${own.booking.ref.slice(0, 4)}`],
      ['code', own.token], ['code without dashes', ungroup(own.token)],
      ['lookup part', lookupOf(own.token)], ['secret part', secretOf(own.token)],
      ['ticket', own.booking.ticket],
    ]) {
      assert.ok(!upper.includes(part.toUpperCase()), `the feed holds the ${what} ${part}: ${body}`);
    }
    assert.ok(!/DESCRIPTION|LOCATION|ATTENDEE|ORGANIZER/.test(body), `the feed says more than the time: ${body}`);
    // The event keeps its UID from one fetch to the next, so calendar apps update it.
    const uid = (text) => /\r\nUID:([^\r]+)\r\n/.exec(text)?.[1];
    assert.ok(uid(body), `no UID: ${body}`);
    assert.equal(uid((await request(s, 'GET', path1)).body), uid(body), 'the UID changed between fetches');
  });

  test('a wrong feed secret -> 404', async () => {
    assert.ok(path1);
    const hex = path1.slice('/feed/'.length, -'.ics'.length);
    const flipped = (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    for (const p of [`/feed/${flipped}.ics`, `/feed/${crypto.randomBytes(32).toString('hex')}.ics`,
      `/feed/${hex.slice(1)}.ics`, `/feed/${hex}`, `/feed/${hex.toUpperCase().replace(/[0-9]/g, 'G')}.ics`]) {
      expectError(await request(s, 'GET', p), 404, 'not_found');
    }
    assert.equal((await request(s, 'GET', path1)).status, 200);
  });

  test('a new feed URL ends the old one (404); revoking ends the new one', async () => {
    assert.ok(path1);
    const res = await rivera.post(`${API}/staff/feed`, {});
    assert.equal(res.status, 200, res.body.slice(0, 300));
    const path2 = feedPath(res.json.url);
    assert.notEqual(path2, path1);
    expectError(await request(s, 'GET', path1), 404, 'not_found');
    assert.equal((await request(s, 'GET', path2)).status, 200);
    assert.equal((await rivera.post(`${API}/staff/feed/revoke`, {})).status, 204);
    expectError(await request(s, 'GET', path2), 404, 'not_found');
  });
});
