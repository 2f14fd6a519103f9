// ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too)
// Issue 3 over real TLS against the real saferoomd: free slots, booking under
// a pseudonymous token, the client's routes with that token (see, ticket,
// reschedule, cancel), the guessing and booking rate limits, a race of 16
// concurrent bookings of one slot, and the privacy checks (no token in the
// database, its WAL, the key file or the log; no client address in the log;
// no column for a client identity).
//
// Every date is computed from today in the clinic's zone (Europe/Berlin, as
// `saferoomctl demo` sets it). Each test books on its own week so that the
// tests do not see each other's bookings:
//   W0 = the next Monday at least 3 days ahead (read-only slot checks)
//   W1 = W0 + 7 bookings   W2 = W0 + 14 race        W3 = W0 + 21 client routes
//   W4 = W0 + 28 resched.  W5 = W0 + 35 cancel      W6 = W0 + 42 privacy flow
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ctlOk, startServer, request, expectError, sleep,
} from '../lib/harness.mjs';
import { TZ, DAY_MS, MIN_MS, berlin, dayOf, dateOf, weekday, localMs, pad, rfc, hm, at, msOf } from '../lib/clinic.mjs';

/* ---- time in the clinic's zone ---------------------------------------------- */

/* ---- the demo clinic -------------------------------------------------------------- */

const RIVERA = 2;
const OKAFOR = 3;
const MINUTES = { 1: 30, 2: 50, 3: 80, 4: 25 };
const PRICE = { 1: 4000, 2: 9000, 3: 14000, 4: 1000 };
const HOURS = {
  [RIVERA]: [1, 2, 3, 4, 5].flatMap((wd) => [[wd, 540, 750], [wd, 810, 1020]]),
  [OKAFOR]: [2, 3, 4, 5, 6].map((wd) => [wd, 600, 1080]),
};
const INTERVAL = 30;

/** The slots the demo clinic has for therapist on day, nothing booked. */
function gridSlots(therapist, day, service) {
  const min = MINUTES[service];
  const out = [];
  for (const [wd, from, to] of HOURS[therapist]) {
    if (wd !== weekday(day)) continue;
    for (let m = from; m + min <= to; m += INTERVAL) {
      const t = localMs(day, m);
      out.push({ start: rfc(t), end: rfc(t + min * MIN_MS), therapist });
    }
  }
  return out;
}

/** The grid slots of every given therapist on days [day, day + n), sorted. */
function expectedSlots(service, day, n, therapists = [RIVERA, OKAFOR]) {
  const out = [];
  for (let d = day; d < day + n; d++) for (const t of therapists) out.push(...gridSlots(t, d, service));
  return out.sort((a, b) => msOf(a.start) - msOf(b.start) || a.therapist - b.therapist);
}

const TODAY = dayOf(Date.now());
/** The next Monday at least 3 days ahead. */
const W0 = (() => { let d = TODAY + 3; while (weekday(d) !== 1) d++; return d; })();
const W = (k) => W0 + 7 * k;

/* ---- helpers ------------------------------------------------------------------------ */

const SYM = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TOKEN_RE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){8}$/;
const BOOKING_KEYS = ['currency', 'due_cents', 'end', 'paid_cents', 'ref', 'service',
  'start', 'status', 'therapist', 'ticket'];
const RFC3339_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

/** Settings before start: the demo clinic, bookable at once, no booking limit. */
function demo(db, settings = {}) {
  ctlOk(db, 'demo');
  const all = { min_notice_minutes: 0, booking_rate_per_hour: 0, ...settings };
  for (const [k, v] of Object.entries(all)) ctlOk(db, 'settings', 'set', k, String(v));
}

const ungroup = (tok) => tok.replace(/-/g, '');
const secretOf = (tok) => ungroup(tok).slice(8);
const lookupOf = (tok) => ungroup(tok).slice(0, 8);

/** tok with the symbol at index i of its ungrouped form changed, regrouped. */
function changeSymbol(tok, i) {
  const u = ungroup(tok).split('');
  u[i] = SYM[(SYM.indexOf(u[i]) + 7) % 32];
  return u.join('').match(/.{4}/g).join('-');
}

const bearer = (tok) => ({ Authorization: `Bearer ${tok}` });

function slotsUrl(q) {
  return `/api/v1/slots?${new URLSearchParams(q).toString()}`;
}

async function getSlots(s, q) {
  const res = await request(s, 'GET', slotsUrl(q));
  assert.equal(res.status, 200, `GET ${slotsUrl(q)}: ${res.status} ${res.body.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i);
  assert.deepEqual(Object.keys(res.json), ['slots']);
  return res.json.slots;
}

const hasSlot = (list, start, therapist) => list.some((x) => x.start === start && x.therapist === therapist);

/** POST /bookings with body (an object is sent as JSON, a string as is). */
function post(s, body) {
  if (typeof body === 'string') {
    return request(s, 'POST', '/api/v1/bookings', { body, headers: { 'Content-Type': 'application/json' } });
  }
  return request(s, 'POST', '/api/v1/bookings', { json: body });
}

/** Books and checks the 201 answer in full; returns {token, booking}. */
async function book(s, service, therapist, start) {
  const body = { service, start };
  if (therapist) body.therapist = therapist;
  const res = await post(s, body);
  assert.equal(res.status, 201, `book ${JSON.stringify(body)}: ${res.status} ${res.body.slice(0, 300)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i);
  assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/i, 'the answer with the token may be cached');
  assert.deepEqual(Object.keys(res.json).sort(), ['booking', 'token']);
  const { token, booking } = res.json;
  (s.tokens ??= []).push(token);
  assert.match(token, TOKEN_RE, `token ${token}`);
  assertBooking(booking, {
    service, start: rfc(msOf(start)), status: 'booked', paid_cents: 0, due_cents: PRICE[service],
    ...(therapist ? { therapist } : {}),
  });
  return { token, booking };
}

/** Asserts b is a BOOKING with these exact values where given. */
function assertBooking(b, want = {}) {
  assert.ok(b && typeof b === 'object', `BOOKING is ${JSON.stringify(b)}`);
  for (const k of BOOKING_KEYS) assert.ok(k in b, `BOOKING without ${k}: ${JSON.stringify(b)}`);
  assert.match(b.ref, /^[0-9A-HJKMNP-TV-Z]{4,}$/, `ref ${b.ref}`);
  assert.ok(Number.isInteger(b.service), `service ${b.service}`);
  assert.ok(b.therapist === RIVERA || b.therapist === OKAFOR, `therapist ${b.therapist}`);
  assert.match(b.start, RFC3339_RE);
  assert.match(b.end, RFC3339_RE);
  assert.equal(b.start, rfc(msOf(b.start)), 'start is not in the clinic\'s offset');
  assert.equal(msOf(b.end) - msOf(b.start), MINUTES[b.service] * MIN_MS, `end ${b.end} for ${b.start}`);
  assert.equal(b.end, rfc(msOf(b.end)), 'end is not in the clinic\'s offset');
  assert.ok(['booked', 'checked_in', 'cancelled', 'no_show'].includes(b.status), `status ${b.status}`);
  assert.ok(Number.isInteger(b.paid_cents) && Number.isInteger(b.due_cents));
  assert.equal(b.currency, 'EUR');
  assert.equal(typeof b.ticket, 'string');
  assert.ok(b.ticket.length > 0);
  assert.ok(b.ticket.includes(b.ref), `ticket ${b.ticket} does not name ref ${b.ref}`);
  for (const [k, v] of Object.entries(want)) assert.deepEqual(b[k], v, `BOOKING.${k}: ${JSON.stringify(b)}`);
}

/** sqlite3 query on the live database, as text. */
function sql(db, q) {
  return execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();
}

const bookingCount = (db) => Number(sql(db, 'SELECT count(*) FROM bookings'));

const median = (xs) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };

/** Decodes a QR image file with zbarimg; its text without the final newline. */
function zbar(file) {
  return execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .replace(/\n$/, '');
}

/**
 * The QR code of our SVG as a PGM image zbarimg can read (its ImageMagick
 * reads no SVG here): fills the dark <path> and <rect> shapes (M, L, H, V, Z,
 * absolute or relative; nonzero rule) at scale pixels per user unit, with a
 * white margin.
 */
function svgToPgm(svg, scale = 4) {
  const vb = /viewBox="\s*([-\d.]+)[\s,]+([-\d.]+)[\s,]+([-\d.]+)[\s,]+([-\d.]+)\s*"/.exec(svg);
  assert.ok(vb, 'the SVG has no viewBox');
  const [vx, vy, vw, vh] = vb.slice(1).map(Number);
  const light = (tag) => /^(#fff(fff)?|white|none)$/i.test(/\bfill="([^"]*)"/.exec(tag)?.[1] ?? '#000');
  const polys = [];
  for (const [tag] of svg.matchAll(/<path\b[^>]*>/g)) {
    if (light(tag)) continue;
    const toks = /\bd="([^"]*)"/.exec(tag)[1].match(/[A-Za-z]|-?\d*\.?\d+(?:e-?\d+)?/g);
    let x = 0; let y = 0; let sx = 0; let sy = 0; let cmd = null; let cur = null; let i = 0;
    const num = () => Number(toks[i++]);
    while (i < toks.length) {
      if (/[A-Za-z]/.test(toks[i])) cmd = toks[i++];
      const rel = cmd === cmd.toLowerCase();
      switch (cmd.toUpperCase()) {
        case 'M': {
          const a = num(); const b = num();
          x = rel ? x + a : a; y = rel ? y + b : b;
          sx = x; sy = y;
          cur = [[x, y]];
          polys.push(cur);
          cmd = rel ? 'l' : 'L'; // pairs after a moveto are linetos
          break;
        }
        case 'L': {
          const a = num(); const b = num();
          x = rel ? x + a : a; y = rel ? y + b : b;
          cur.push([x, y]);
          break;
        }
        case 'H': x = rel ? x + num() : num(); cur.push([x, y]); break;
        case 'V': y = rel ? y + num() : num(); cur.push([x, y]); break;
        case 'Z': x = sx; y = sy; break;
        default: throw new Error(`svgToPgm: path command ${cmd} not supported`);
      }
    }
  }
  for (const [tag] of svg.matchAll(/<rect\b[^>]*>/g)) {
    if (light(tag)) continue;
    const g = (k) => Number(new RegExp(`\\s${k}="([-\\d.]+)"`).exec(tag)?.[1] ?? 0);
    const [rx, ry, rw, rh] = [g('x'), g('y'), g('width'), g('height')];
    polys.push([[rx, ry], [rx + rw, ry], [rx + rw, ry + rh], [rx, ry + rh]]);
  }
  const edges = [];
  for (const p of polys) {
    for (let k = 0; k < p.length; k++) {
      const [x1, y1] = p[k]; const [x2, y2] = p[(k + 1) % p.length];
      if (y1 !== y2) edges.push([x1, y1, x2, y2]);
    }
  }
  const margin = 4 * scale;
  const w = Math.round(vw * scale); const h = Math.round(vh * scale);
  const W = w + 2 * margin; const H = h + 2 * margin;
  const px = Buffer.alloc(W * H, 255);
  for (let j = 0; j < h; j++) {
    // Nonzero fill along the row through the pixel centres.
    const py = vy + (j + 0.5) / scale;
    const xs = [];
    for (const [x1, y1, x2, y2] of edges) {
      if ((y1 <= py) !== (y2 <= py)) xs.push([x1 + ((py - y1) * (x2 - x1)) / (y2 - y1), y2 > y1 ? 1 : -1]);
    }
    xs.sort((a, b) => a[0] - b[0]);
    let wind = 0; let k = 0;
    for (let i = 0; i < w; i++) {
      const cx = vx + (i + 0.5) / scale;
      while (k < xs.length && xs[k][0] <= cx) wind += xs[k++][1];
      if (wind !== 0) px[(j + margin) * W + i + margin] = 0;
    }
  }
  return Buffer.concat([Buffer.from(`P5\n${W} ${H}\n255\n`), px]);
}

/**
 * A 429 must tell the truth in Retry-After: a retry after that many seconds
 * is not refused again. Waits at most 5 s (a longer honest value passes).
 */
async function assertRetryAfterHonest(res, retry) {
  const ra = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(ra) && ra > 0, `Retry-After ${res.headers['retry-after']}`);
  if (ra > 5) return;
  await sleep(ra * 1000 + 300);
  const again = await retry();
  assert.notEqual(again.status, 429,
    `Retry-After said ${ra} s, but the retry after ${ra} s was refused again: ${again.body}`);
}

/* ---- the main server ------------------------------------------------------------------ */

describe('booking against the demo clinic', () => {
  let s;
  before(async () => {
    s = await startServer({
      // Debug logs a line per request: more for the privacy check to search.
      args: ['--log-level', 'debug'],
      setup: (db) => {
        demo(db);
        // A 25-minute service: its end is 5 minutes before the next grid
        // start, so the 10-minute buffer can be tested on its own.
        const r = ctlOk(db, 'service', 'add', '--name', 'Short check-in', '--minutes', '25',
          '--price-cents', '1000', '--currency', 'EUR');
        assert.equal(r.kv.id, '4');
      },
    });
    s.tokens = [];
  });
  after(async () => { if (s) await s.stop(); });

  describe('GET /api/v1/slots', () => {
    test('rivera, one Monday, 50 minutes: exactly the grid, the last morning slot 11:30', async () => {
      const got = await getSlots(s, { service: 2, therapist: RIVERA, from: dateOf(W0), days: 1 });
      const want = ['09:00', '09:30', '10:00', '10:30', '11:00', '11:30',
        '13:30', '14:00', '14:30', '15:00', '15:30', '16:00'].map((t) => ({
        start: at(W0, t), end: rfc(msOf(at(W0, t)) + 50 * MIN_MS), therapist: RIVERA,
      }));
      assert.deepEqual(got, want);
      for (const x of got) assert.deepEqual(Object.keys(x).sort(), ['end', 'start', 'therapist']);
      // The offset is the zone's on that day: +01:00 in winter, +02:00 in summer.
      const { mo } = berlin(localMs(W0, 600));
      if (mo >= 11 || mo <= 2) assert.ok(got[0].start.endsWith('+01:00'), got[0].start);
      if (mo >= 4 && mo <= 9) assert.ok(got[0].start.endsWith('+02:00'), got[0].start);
    });

    test('80 minutes: slots end within the hours (11:00 last in the morning, 15:30 last in the afternoon)', async () => {
      const got = await getSlots(s, { service: 3, therapist: RIVERA, from: dateOf(W0), days: 1 });
      assert.deepEqual(got.map((x) => x.start),
        ['09:00', '09:30', '10:00', '10:30', '11:00', '13:30', '14:00', '14:30', '15:00', '15:30'].map((t) => at(W0, t)));
      assert.deepEqual(got.map((x) => x.end),
        ['10:20', '10:50', '11:20', '11:50', '12:20', '14:50', '15:20', '15:50', '16:20', '16:50'].map((t) => at(W0, t)));
    });

    test('days defaults to 7: the whole week of rivera and nothing after it', async () => {
      const got = await getSlots(s, { service: 1, therapist: RIVERA, from: dateOf(W0) });
      assert.deepEqual(got, expectedSlots(1, W0, 7, [RIVERA]));
      assert.equal(got.length, 5 * 14);
    });

    test('therapist left out: all therapists, sorted by start then therapist', async () => {
      // Tuesday: both work; at 10:00 .. 12:00 and 13:30 .. 16:30 both have a slot.
      const got = await getSlots(s, { service: 1, from: dateOf(W0 + 1), days: 1 });
      assert.deepEqual(got, expectedSlots(1, W0 + 1, 1));
      assert.equal(got.length, 14 + 16);
      const at10 = got.filter((x) => x.start === at(W0 + 1, '10:00'));
      assert.deepEqual(at10.map((x) => x.therapist), [RIVERA, OKAFOR]);
      // Two weeks at once: still one sorted list.
      const two = await getSlots(s, { service: 2, from: dateOf(W0), days: 14 });
      assert.deepEqual(two, expectedSlots(2, W0, 14));
    });

    test('a day with nothing free is an empty list: Sunday for rivera, Monday for okafor', async () => {
      assert.deepEqual(await getSlots(s, { service: 1, therapist: RIVERA, from: dateOf(W0 + 6), days: 1 }), []);
      assert.deepEqual(await getSlots(s, { service: 1, therapist: OKAFOR, from: dateOf(W0), days: 1 }), []);
      assert.deepEqual(await getSlots(s, { service: 1, from: dateOf(W0 + 6), days: 1 }), []);
    });

    test('days: 62 is allowed, 63 and 0 are 400', async () => {
      const got = await getSlots(s, { service: 1, therapist: RIVERA, from: dateOf(W0), days: 62 });
      assert.deepEqual(got, expectedSlots(1, W0, 62, [RIVERA]).filter((x) => msOf(x.start) < localMs(TODAY + 91, 0)));
      for (const days of ['63', '0', '-1', 'x', '7.5']) {
        expectError(await request(s, 'GET', slotsUrl({ service: 1, from: dateOf(W0), days })), 400);
      }
    });

    test('the horizon: nothing after day today + 90, and slots up to it', async () => {
      const got = await getSlots(s, { service: 1, from: dateOf(TODAY + 84), days: 14 });
      const last = weekday(TODAY + 90) === 7 ? TODAY + 89 : TODAY + 90;
      assert.ok(got.length > 0);
      assert.equal(dayOf(msOf(got[got.length - 1].start)), last, `last slot ${got[got.length - 1].start}`);
      assert.deepEqual(got, expectedSlots(1, TODAY + 84, 14).filter((x) => dayOf(msOf(x.start)) <= TODAY + 90));
    });

    test('today: only slots that have not started', async () => {
      const t0 = Date.now();
      const got = await getSlots(s, { service: 1, from: dateOf(TODAY), days: 2 });
      const t1 = Date.now();
      const all = expectedSlots(1, TODAY, 2);
      for (const x of got) assert.ok(msOf(x.start) > t0 - 1000, `slot ${x.start} has begun`);
      assert.deepEqual(got, all.filter((x) => got.some((y) => y.start === x.start && y.therapist === x.therapist)));
      for (const x of all) if (msOf(x.start) > t1 + 1000) assert.ok(hasSlot(got, x.start, x.therapist), `missing ${x.start}`);
    });

    test('unknown service -> 400 unknown_service; unknown therapist -> 400 unknown_therapist', async () => {
      expectError(await request(s, 'GET', slotsUrl({ service: 999, from: dateOf(W0) })), 400, 'unknown_service');
      for (const t of [999, 1, 4]) { // 1 is the admin, 4 the desk: not therapists
        expectError(await request(s, 'GET', slotsUrl({ service: 1, therapist: t, from: dateOf(W0) })),
          400, 'unknown_therapist');
      }
    });

    test('missing or malformed service and from -> 400', async () => {
      for (const q of [
        { service: 1 },
        { service: 1, from: '' },
        { service: 1, from: 'tomorrow' },
        { service: 1, from: `${dateOf(W0)}T00:00:00Z` },
        { service: 1, from: dateOf(W0).replace(/-0?/g, '/') },
        { service: 1, from: '2026-13-01' },
        { service: 1, from: '2026-02-30' },
        { from: dateOf(W0) },
        { service: 'one', from: dateOf(W0) },
        { service: 1, therapist: 'rivera', from: dateOf(W0) },
      ]) {
        const e = expectError(await request(s, 'GET', slotsUrl(q)), 400);
        assert.ok(!['unknown_service', 'unknown_therapist'].includes(e.code), `${JSON.stringify(q)}: ${e.code}`);
      }
    });
  });

  describe('POST /api/v1/bookings', () => {
    test('201 with the token and the BOOKING; the slot disappears from /slots', async () => {
      const start = at(W(1), '09:00');
      const { token, booking } = await book(s, 2, RIVERA, start);
      assertBooking(booking, {
        service: 2, therapist: RIVERA, start, end: at(W(1), '09:50'), status: 'booked',
        paid_cents: 0, due_cents: 9000, currency: 'EUR',
      });
      assert.ok(!booking.ticket.includes(secretOf(token)) && !booking.ticket.includes(ungroup(token)));
      const got = await getSlots(s, { service: 2, therapist: RIVERA, from: dateOf(W(1)), days: 1 });
      // 09:00 is taken; 09:30 overlaps it; 10:00 keeps exactly the 10-minute buffer.
      assert.deepEqual(got, gridSlots(RIVERA, W(1), 2).filter((x) => !['09:00', '09:30'].map((t) => at(W(1), t)).includes(x.start)));
      const one = await getSlots(s, { service: 1, therapist: RIVERA, from: dateOf(W(1)), days: 1 });
      assert.ok(!hasSlot(one, at(W(1), '09:30'), RIVERA) && hasSlot(one, at(W(1), '10:00'), RIVERA));
      // Okafor does not work on Mondays; the all-therapists list agrees.
      const all = await getSlots(s, { service: 2, from: dateOf(W(1)), days: 1 });
      assert.deepEqual(all, got);
    });

    test('a start given in UTC (Z) books the same instant, answered in the clinic\'s offset', async () => {
      const t = localMs(W(1), hm('14:00'));
      const { booking } = await book(s, 1, RIVERA, new Date(t).toISOString().replace('.000Z', 'Z'));
      assert.equal(booking.start, at(W(1), '14:00'));
    });

    test('the same slot again -> 409 slot_taken; overlaps and the buffer -> 409', async () => {
      const before = bookingCount(s.db);
      // 09:00-09:50 was booked above.
      expectError(await post(s, { service: 2, therapist: RIVERA, start: at(W(1), '09:00') }), 409, 'slot_taken');
      expectError(await post(s, { service: 1, therapist: RIVERA, start: at(W(1), '09:00') }), 409, 'slot_taken');
      expectError(await post(s, { service: 1, therapist: RIVERA, start: at(W(1), '09:30') }), 409, 'slot_taken');
      // 80 minutes from 13:30 runs into the 14:00 session booked above.
      expectError(await post(s, { service: 3, therapist: RIVERA, start: at(W(1), '13:30') }), 409, 'slot_taken');
      // A 25-minute session at 11:00 ends at 11:25: 11:30 is inside its buffer, 10:30 + 25 min ends
      // 5 minutes before it; neither overlaps, both are refused.
      await book(s, 4, RIVERA, at(W(1), '11:00'));
      expectError(await post(s, { service: 1, therapist: RIVERA, start: at(W(1), '11:30') }), 409, 'slot_taken');
      expectError(await post(s, { service: 4, therapist: RIVERA, start: at(W(1), '10:30') }), 409, 'slot_taken');
      assert.equal(bookingCount(s.db), before + 1);
      // A gap of at least the buffer is fine: 09:50 + 10 min = 10:00; 11:25 + 10 min < 12:00.
      await book(s, 1, RIVERA, at(W(1), '10:00'));
      await book(s, 1, RIVERA, at(W(1), '12:00'));
    });

    test('the same time with the other therapist works; left out, any free therapist is taken', async () => {
      const tue = W(1) + 1;
      const r = await book(s, 1, RIVERA, at(tue, '10:00'));
      const o = await book(s, 1, OKAFOR, at(tue, '10:00'));
      assert.notEqual(r.booking.ref, o.booking.ref);
      // Both are taken now: any therapist -> 409.
      expectError(await post(s, { service: 1, start: at(tue, '10:00') }), 409, 'slot_taken');
      // Rivera taken at 11:00, okafor free: any -> okafor.
      await book(s, 1, RIVERA, at(tue, '11:00'));
      const any = await book(s, 1, undefined, at(tue, '11:00'));
      assert.equal(any.booking.therapist, OKAFOR);
      // Only okafor works at 17:00: any -> okafor; only rivera on Monday: any -> rivera.
      assert.equal((await book(s, 1, undefined, at(tue, '17:00'))).booking.therapist, OKAFOR);
      assert.equal((await book(s, 1, undefined, at(W(1), '15:00'))).booking.therapist, RIVERA);
      // 12:30 on a Tuesday is rivera's lunch; okafor is free: okafor.
      assert.equal((await book(s, 2, undefined, at(tue, '12:30'))).booking.therapist, OKAFOR);
      // Nobody works on Sunday.
      expectError(await post(s, { service: 1, start: at(W(1) + 6, '10:00') }), 400, 'not_a_slot');
    });

    test('bad bodies and types -> 400 in the API error shape, nothing written', async () => {
      const before = bookingCount(s.db);
      const start = at(W(1), '16:00');
      for (const body of [
        {}, { service: 1, therapist: RIVERA }, { therapist: RIVERA, start },
        '', 'not json', '{', '{"service":1,"start":', '[1,2]', `[{"service":1,"start":"${start}"}]`, 'null', '42',
        `{"service":1,"service":2,"start":"${start}"}`,
        { service: 'abc', therapist: RIVERA, start }, { service: 1.5, therapist: RIVERA, start },
        { service: true, therapist: RIVERA, start }, { service: [1], therapist: RIVERA, start },
        { service: {}, therapist: RIVERA, start }, { service: 1, therapist: 'rivera', start },
        { service: 1, therapist: [RIVERA], start }, { service: 1, therapist: RIVERA, start: msOf(start) / 1000 },
        { service: 1, therapist: RIVERA, start: [start] }, { service: 0, therapist: RIVERA, start },
        { service: -1, therapist: RIVERA, start }, { service: 1, therapist: RIVERA, start: '' },
      ]) {
        const e = expectError(await post(s, body), 400);
        assert.ok(!['unknown_service', 'unknown_therapist', 'not_a_slot'].includes(e.code),
          `${JSON.stringify(body)}: ${e.code}`);
      }
      const e = expectError(await post(s, { service: 1, therapist: RIVERA }), 400);
      assert.match(e.message, /start/, 'the message names the missing field');
      assert.equal(bookingCount(s.db), before);
    });

    test('a start with fractional seconds is RFC 3339 too (as JavaScript\'s toISOString writes it)', async () => {
      const t = localMs(W(1) + 3, hm('09:00'));
      const { booking } = await book(s, 1, RIVERA, new Date(t).toISOString());
      assert.equal(booking.start, at(W(1) + 3, '09:00'));
    });

    test('malformed start -> 400: a space, no offset, no seconds, an impossible date', async () => {
      const d = dateOf(W(1));
      for (const start of [`${d} 16:00`, `${d} 16:00:00+01:00`, `${d}T16:00:00`, `${d}T16:00+01:00`,
        `${d}T16:00`, '2026-02-30T10:00:00+01:00', `${d}T25:00:00+01:00`, `${d}T16:00:00+1:00`,
        `${d}T16:00:00 +01:00`, 'tomorrow at ten', `${d}T16:00:00.000+01:00x`]) {
        const e = expectError(await post(s, { service: 1, therapist: RIVERA, start }), 400);
        assert.ok(!['not_a_slot', 'start_in_past', 'slot_taken'].includes(e.code), `${start}: ${e.code}`);
      }
      expectError(await post(s, { service: 1, therapist: RIVERA, start: '2026-01-01 10:00' }), 400);
    });

    test('unknown service -> unknown_service; unknown therapist (or staff who is not one) -> unknown_therapist', async () => {
      const start = at(W(1), '16:00');
      expectError(await post(s, { service: 999, therapist: RIVERA, start }), 400, 'unknown_service');
      expectError(await post(s, { service: 999, start }), 400, 'unknown_service');
      for (const t of [999, 1, 4]) {
        expectError(await post(s, { service: 1, therapist: t, start }), 400, 'unknown_therapist');
      }
    });

    test('past -> start_in_past; off the grid or outside hours -> not_a_slot; beyond the horizon -> too_far_ahead', async () => {
      const before = bookingCount(s.db);
      const past = W0 - 14; // a Monday at least 5 days ago
      expectError(await post(s, { service: 1, therapist: RIVERA, start: at(past, '10:00') }), 400, 'start_in_past');
      expectError(await post(s, { service: 1, start: at(past, '10:00') }), 400, 'start_in_past');
      expectError(await post(s, { service: 1, therapist: RIVERA, start: rfc(Date.now() - 60000) }), 400, 'start_in_past');
      const d = W(1) + 2; // a Wednesday, both work
      for (const [service, therapist, t] of [
        [1, RIVERA, '10:10'], [1, RIVERA, '10:15'], [1, OKAFOR, '10:45'],
        [1, RIVERA, '12:30'], [1, RIVERA, '13:00'], [1, RIVERA, '08:30'], [1, RIVERA, '17:00'],
        [2, RIVERA, '12:00'], [3, RIVERA, '11:30'], [3, OKAFOR, '17:00'], [1, OKAFOR, '09:30'],
        [1, OKAFOR, '18:00'], [1, undefined, '10:10'], [1, undefined, '08:00'],
      ]) {
        const body = { service, start: at(d, t) };
        if (therapist) body.therapist = therapist;
        expectError(await post(s, body), 400, 'not_a_slot');
      }
      // Seconds past a slot are no slot either.
      expectError(await post(s, { service: 1, therapist: RIVERA, start: rfc(localMs(d, 600) + 30000) }), 400, 'not_a_slot');
      // Okafor on a Monday, rivera on a Saturday, anyone on a Sunday.
      expectError(await post(s, { service: 1, therapist: OKAFOR, start: at(W(1), '10:00') }), 400, 'not_a_slot');
      expectError(await post(s, { service: 1, therapist: RIVERA, start: at(W(1) + 5, '10:00') }), 400, 'not_a_slot');
      expectError(await post(s, { service: 1, therapist: OKAFOR, start: at(W(1) + 6, '10:00') }), 400, 'not_a_slot');
      // Beyond the horizon: the first working day after today + 90, at 10:00.
      let far = TODAY + 91;
      if (weekday(far) === 7) far++;
      const who = weekday(far) === 1 ? RIVERA : OKAFOR;
      expectError(await post(s, { service: 1, therapist: who, start: at(far, '10:00') }), 400, 'too_far_ahead');
      expectError(await post(s, { service: 1, start: at(far, '10:00') }), 400, 'too_far_ahead');
      expectError(await post(s, { service: 1, therapist: who, start: at(TODAY + 400, '10:00') }), 400, 'too_far_ahead');
      assert.equal(bookingCount(s.db), before);
      // The last day of the horizon is still bookable.
      const last = weekday(TODAY + 90) === 7 ? TODAY + 89 : TODAY + 90;
      await book(s, 1, weekday(last) === 1 ? RIVERA : OKAFOR, at(last, '10:00'));
    });

    test('16 concurrent bookings of one slot: exactly one 201, fifteen 409 slot_taken', async () => {
      const start = at(W(2), '10:00');
      const all = await Promise.all(Array.from({ length: 16 },
        () => post(s, { service: 2, therapist: RIVERA, start })));
      const won = all.filter((r) => r.status === 201);
      assert.equal(won.length, 1, `statuses ${all.map((r) => r.status).join(' ')}`);
      for (const r of all) if (r.status !== 201) expectError(r, 409, 'slot_taken');
      s.tokens.push(won[0].json.token);
      assertBooking(won[0].json.booking, { start, therapist: RIVERA, service: 2 });
      const startUtc = msOf(start) / 1000;
      assert.equal(sql(s.db, `SELECT count(*) FROM bookings WHERE start_utc = ${startUtc}`), '1');
      assert.ok(!hasSlot(await getSlots(s, { service: 2, therapist: RIVERA, from: dateOf(W(2)), days: 1 }), start, RIVERA));
    });

    test('16 concurrent bookings of one time for any therapist: exactly one per therapist', async () => {
      const start = at(W(2) + 1, '14:00'); // a Tuesday: both work
      const all = await Promise.all(Array.from({ length: 16 }, () => post(s, { service: 3, start })));
      const won = all.filter((r) => r.status === 201);
      assert.equal(won.length, 2, `statuses ${all.map((r) => r.status).join(' ')}`);
      for (const r of all) if (r.status !== 201) expectError(r, 409, 'slot_taken');
      for (const r of won) s.tokens.push(r.json.token);
      assert.deepEqual(won.map((r) => r.json.booking.therapist).sort(), [RIVERA, OKAFOR]);
    });
  });

  describe('the client with its token', () => {
    let tok; let bk;
    before(async () => {
      // A token with both a 0 and a 1 in it, to type them as O, I and L.
      // Hourly starts inside rivera's hours, so no two bookings come within
      // the 10-minute buffer of each other.
      const minutes = [540, 600, 660, 720, 810, 870, 930];
      for (let i = 0; i < 35 && !tok; i++) {
        const day = W(3) + (i % 5);
        const t = localMs(day, minutes[Math.floor(i / 5)]);
        const r = await book(s, 1, RIVERA, rfc(t));
        if (/0/.test(ungroup(r.token)) && /1/.test(ungroup(r.token))) ({ token: tok, booking: bk } = r);
      }
      assert.ok(tok, 'no token with a 0 and a 1 in 35 bookings');
    });

    test('GET /api/v1/booking -> BOOKING, the same as at booking time', async () => {
      const res = await request(s, 'GET', '/api/v1/booking', { headers: bearer(tok) });
      assert.equal(res.status, 200, res.body);
      assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i);
      assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/i);
      assertBooking(res.json, { status: 'booked', paid_cents: 0, due_cents: 4000 });
      assert.deepEqual(res.json, bk);
      assert.ok(!('token' in res.json), 'the token is shown once only');
    });

    test('the token is read forgivingly: lower case, no dashes, spaces, O for 0, I and L for 1', async () => {
      const u = ungroup(tok);
      for (const variant of [
        tok.toLowerCase(),
        u,
        u.toLowerCase(),
        tok.replace(/-/g, ' '),
        u.match(/.{3}/g).join(' '),
        tok.replace(/0/g, 'O').replace(/1/g, 'I'),
        tok.replace(/0/g, 'o').replace(/1/g, 'l'),
        u.replace(/0/g, 'O').replace(/1/g, 'L').toLowerCase(),
        `  ${tok}  `.replace(/-/g, ' - '),
      ]) {
        const res = await request(s, 'GET', '/api/v1/booking', { headers: bearer(variant) });
        assert.equal(res.status, 200, `token typed as ${JSON.stringify(variant)}: ${res.status} ${res.body}`);
        assert.equal(res.json.ref, bk.ref);
      }
      const res = await request(s, 'GET', '/api/v1/booking', { headers: { Authorization: `bearer ${tok}` } });
      assert.equal(res.status, 200, `scheme in lower case: ${res.body}`);
    });

    test('a wrong secret and an unknown lookup part get the same 401; so does no header', async () => {
      // Five failures here; the guessing limit is 10 per address, so this server stays usable.
      const wrong = await request(s, 'GET', '/api/v1/booking', { headers: bearer(changeSymbol(tok, 35)) });
      const unknown = await request(s, 'GET', '/api/v1/booking', { headers: bearer(changeSymbol(tok, 3)) });
      const none = await request(s, 'GET', '/api/v1/booking');
      const basic = await request(s, 'GET', '/api/v1/booking', { headers: { Authorization: `Basic ${Buffer.from(`x:${tok}`).toString('base64')}` } });
      const short = await request(s, 'GET', '/api/v1/booking', { headers: bearer(ungroup(tok).slice(0, 35)) });
      for (const r of [wrong, unknown, none, basic, short]) expectError(r, 401);
      assert.equal(unknown.body, wrong.body, 'an unknown lookup part answers differently from a wrong secret');
      assert.equal(unknown.headers['www-authenticate'], wrong.headers['www-authenticate']);
      assert.equal(unknown.headers['content-type'], wrong.headers['content-type']);
      assert.equal(none.body, wrong.body);
      for (const r of [wrong, unknown, none]) {
        assert.ok(!r.body.includes(bk.ref) && !r.body.toUpperCase().includes(lookupOf(tok)), r.body);
      }
      // The right token still works.
      assert.equal((await request(s, 'GET', '/api/v1/booking', { headers: bearer(tok) })).status, 200);
    });

    test('the ticket as PNG and SVG decodes to exactly BOOKING.ticket, which holds no part of the token', async () => {
      const png = await request(s, 'GET', '/api/v1/booking/ticket.png', { headers: bearer(tok), raw: true });
      assert.equal(png.status, 200, png.body.slice(0, 200));
      assert.equal(png.headers['content-type'], 'image/png');
      assert.ok(png.raw.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'not a PNG');
      const file = path.join(s.dir, 'ticket.png');
      fs.writeFileSync(file, png.raw);
      assert.equal(zbar(file), bk.ticket);
      fs.unlinkSync(file);

      const svg = await request(s, 'GET', '/api/v1/booking/ticket.svg', { headers: bearer(tok) });
      assert.equal(svg.status, 200);
      assert.match(svg.headers['content-type'] ?? '', /^image\/svg\+xml\b/);
      assert.match(svg.body, /<svg[\s>]/);
      assert.doesNotMatch(svg.body, /<script|https?:\/\/(?!www\.w3\.org\/)/i, 'the SVG loads or runs something');
      const pgm = path.join(s.dir, 'ticket.pgm');
      fs.writeFileSync(pgm, svgToPgm(svg.body));
      assert.equal(zbar(pgm), bk.ticket, 'the SVG does not decode to the ticket');
      fs.unlinkSync(pgm);

      const up = bk.ticket.toUpperCase();
      for (const part of [tok, ungroup(tok), secretOf(tok), lookupOf(tok)]) {
        assert.ok(!up.includes(part.toUpperCase()), `the ticket ${bk.ticket} holds ${part}`);
        assert.ok(!svg.body.toUpperCase().includes(part.toUpperCase()), 'the SVG holds the token');
        assert.ok(!png.raw.includes(Buffer.from(part)), 'the PNG holds the token');
      }
      // Without the token: 401, not the ticket.
      expectError(await request(s, 'GET', '/api/v1/booking/ticket.png'), 401);
    });

    test('a wrong secret cannot cancel', async () => {
      expectError(await request(s, 'POST', '/api/v1/booking/cancel', { headers: bearer(changeSymbol(tok, 20)) }), 401);
      const res = await request(s, 'GET', '/api/v1/booking', { headers: bearer(tok) });
      assert.equal(res.json.status, 'booked');
    });
  });

  describe('POST /api/v1/booking/reschedule', () => {
    let a; let b;
    before(async () => {
      a = await book(s, 2, RIVERA, at(W(4), '09:00'));
      b = await book(s, 2, RIVERA, at(W(4), '14:00'));
    });
    const resched = (tok, body) => request(s, 'POST', '/api/v1/booking/reschedule', {
      headers: bearer(tok), ...(typeof body === 'string' ? { body, headers: { ...bearer(tok), 'Content-Type': 'application/json' } } : { json: body }),
    });

    test('moves to another free slot: new start, new ticket, the old slot free again', async () => {
      const to = at(W(4), '10:30');
      const res = await resched(a.token, { start: to });
      assert.equal(res.status, 200, res.body);
      assertBooking(res.json, {
        ref: a.booking.ref, service: 2, therapist: RIVERA, start: to, end: at(W(4), '11:20'), status: 'booked',
        due_cents: 9000, paid_cents: 0,
      });
      assert.notEqual(res.json.ticket, a.booking.ticket);
      const got = await getSlots(s, { service: 2, therapist: RIVERA, from: dateOf(W(4)), days: 1 });
      assert.ok(hasSlot(got, at(W(4), '09:00'), RIVERA), 'the old slot is not free again');
      assert.ok(hasSlot(got, at(W(4), '09:30'), RIVERA));
      assert.ok(!hasSlot(got, to, RIVERA), 'the new slot is still offered');
      const now = await request(s, 'GET', '/api/v1/booking', { headers: bearer(a.token) });
      assert.deepEqual(now.json, res.json);
      // The new ticket decodes from the new image.
      const png = await request(s, 'GET', '/api/v1/booking/ticket.png', { headers: bearer(a.token), raw: true });
      const file = path.join(s.dir, 'ticket2.png');
      fs.writeFileSync(file, png.raw);
      assert.equal(zbar(file), res.json.ticket);
      fs.unlinkSync(file);
      // The old slot can be booked by someone else.
      await book(s, 1, RIVERA, at(W(4), '09:00'));
    });

    test('a move that overlaps only the booking itself works', async () => {
      // b is 14:00-14:50; 14:30-15:20 overlaps its own old time only.
      const res = await resched(b.token, { start: at(W(4), '14:30') });
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.start, at(W(4), '14:30'));
    });

    test('409 slot_taken onto another booking or its buffer; 400 for off-grid, past, malformed', async () => {
      // a is now 10:30-11:20, b 14:30-15:20.
      expectError(await resched(b.token, { start: at(W(4), '10:30') }), 409, 'slot_taken');
      expectError(await resched(b.token, { start: at(W(4), '10:00') }), 409, 'slot_taken');
      expectError(await resched(b.token, { start: at(W(4), '11:00') }), 409, 'slot_taken');
      expectError(await resched(b.token, { start: at(W(4), '10:10') }), 400, 'not_a_slot');
      expectError(await resched(b.token, { start: at(W(4), '12:00') }), 400, 'not_a_slot'); // would end 12:50
      expectError(await resched(b.token, { start: at(W(4) + 6, '10:00') }), 400, 'not_a_slot'); // Sunday
      expectError(await resched(b.token, { start: at(W0 - 14, '10:00') }), 400, 'start_in_past');
      let far = TODAY + 91;
      while (weekday(far) !== 1) far++;
      expectError(await resched(b.token, { start: at(far, '10:00') }), 400, 'too_far_ahead');
      for (const body of [{}, { start: '' }, { start: `${dateOf(W(4))} 16:00` }, { start: `${dateOf(W(4))}T16:00:00` },
        { start: 123 }, '[]', 'nope', '']) {
        const e = expectError(await resched(b.token, body), 400);
        assert.ok(!['not_a_slot', 'slot_taken'].includes(e.code), `${JSON.stringify(body)}: ${e.code}`);
      }
      const res = await request(s, 'GET', '/api/v1/booking', { headers: bearer(b.token) });
      assert.equal(res.json.start, at(W(4), '14:30'), 'a refused move changed the booking');
    });

    test('without a token -> 401', async () => {
      expectError(await request(s, 'POST', '/api/v1/booking/reschedule', { json: { start: at(W(4), '16:00') } }), 401);
    });
  });

  describe('POST /api/v1/booking/cancel', () => {
    test('cancelled, nothing due, the slot free at once; twice -> 409; reschedule -> 409 not_active', async () => {
      const start = at(W(5), '10:00');
      const { token, booking } = await book(s, 3, RIVERA, start);
      const res = await request(s, 'POST', '/api/v1/booking/cancel', { headers: bearer(token) });
      assert.equal(res.status, 200, res.body);
      assertBooking(res.json, {
        ref: booking.ref, start, status: 'cancelled', due_cents: 0, paid_cents: 0, service: 3, therapist: RIVERA,
      });
      assert.ok(!('credit_voucher' in res.json), 'a voucher credit for a booking not paid by voucher');
      const got = await getSlots(s, { service: 3, therapist: RIVERA, from: dateOf(W(5)), days: 1 });
      assert.deepEqual(got, gridSlots(RIVERA, W(5), 3));
      expectError(await request(s, 'POST', '/api/v1/booking/cancel', { headers: bearer(token) }), 409, 'not_active');
      expectError(await request(s, 'POST', '/api/v1/booking/reschedule', { headers: bearer(token), json: { start: at(W(5), '14:00') } }),
        409, 'not_active');
      const now = await request(s, 'GET', '/api/v1/booking', { headers: bearer(token) });
      assert.equal(now.status, 200);
      assert.equal(now.json.status, 'cancelled');
      assert.equal(now.json.start, start);
      // Someone else books the freed slot at once.
      const again = await book(s, 3, RIVERA, start);
      assert.notEqual(again.booking.ref, booking.ref);
      // The cancelled booking still cannot be moved, even to a free slot.
      expectError(await request(s, 'POST', '/api/v1/booking/reschedule', { headers: bearer(token), json: { start: at(W(5), '15:00') } }),
        409, 'not_active');
    });
  });

  describe('privacy', () => {
    test('a full flow leaves no token in the database, its WAL, the key file or the log', async () => {
      const { token, booking } = await book(s, 2, RIVERA, at(W(6), '10:00'));
      assert.equal((await request(s, 'GET', '/api/v1/booking', { headers: bearer(token.toLowerCase()) })).status, 200);
      assert.equal((await request(s, 'GET', '/api/v1/booking/ticket.png', { headers: bearer(token) })).status, 200);
      assert.equal((await request(s, 'GET', '/api/v1/booking/ticket.svg', { headers: bearer(token) })).status, 200);
      const moved = await request(s, 'POST', '/api/v1/booking/reschedule', { headers: bearer(token), json: { start: at(W(6), '13:30') } });
      assert.equal(moved.status, 200, moved.body);
      const gone = await request(s, 'POST', '/api/v1/booking/cancel', { headers: bearer(ungroup(token)) });
      assert.equal(gone.status, 200, gone.body);
      assert.equal(gone.json.ref, booking.ref);

      const secrets = s.tokens.flatMap((t) => [t, ungroup(t), secretOf(t)]).map((x) => x.toUpperCase());
      assert.ok(s.tokens.length > 15, `only ${s.tokens.length} tokens collected`);
      const check = (file, what) => {
        const text = fs.readFileSync(file).toString('latin1').toUpperCase();
        for (const x of secrets) assert.ok(!text.includes(x), `${what} holds a token or its secret part`);
      };
      const keys = `${s.db}.keys`;
      for (const f of [s.db, `${s.db}-wal`, keys]) assert.ok(fs.existsSync(f), `${path.basename(f)} is missing`);
      assert.ok(fs.statSync(`${s.db}-wal`).size > 0, 'the WAL is empty: nothing to check');
      // While the server runs: the database, its WAL (and -shm), the key file.
      for (const f of fs.readdirSync(s.dir)) {
        if (f.startsWith('saferoom.db')) check(path.join(s.dir, f), `${f} (server running)`);
      }
      // After a clean stop (the WAL checkpointed into the database).
      const exit = await s.stop();
      assert.equal(exit.code, 0, `saferoomd exited ${JSON.stringify(exit)}`);
      for (const f of fs.readdirSync(s.dir)) {
        if (f.startsWith('saferoom.db')) check(path.join(s.dir, f), `${f} (server stopped)`);
      }
      // The log: no token, no secret, no client address.
      const log = s.log();
      assert.match(log, /\/api\/v1\/booking\/cancel/, 'the debug log does not show the requests');
      const upLog = log.toUpperCase();
      for (const x of secrets) assert.ok(!upLog.includes(x), 'the log holds a token or its secret part');
      assert.ok(!log.includes('127.0.0.1'), `the log holds the client address:\n${log}`);
      for (const t of s.tokens) assert.ok(!upLog.includes(lookupOf(t)), 'the log holds the lookup part of a token');
    });

    test('the schema has no column for a client identity', () => {
      const rows = sql(s.db, "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'")
        .split('\n');
      assert.ok(rows.includes('bookings.lookup') && rows.includes('bookings.token_hash'), rows.join(' '));
      const allowed = new Set(['services.name', 'staff.username', 'staff.display_name']);
      const bad = rows.filter((c) => !allowed.has(c)
        && /name|mail|phone|(^|[._])ip($|_|v[46])|addr|agent|client|note|comment|fingerprint/i.test(c));
      assert.deepEqual(bad, [], `columns that could hold a client identity: ${bad.join(', ')}`);
      // No token in clear: the only token column is a hash; nothing records when a client acted.
      const bk = rows.filter((c) => c.startsWith('bookings.'));
      assert.deepEqual(bk.filter((c) => /token|secret|code/.test(c)), ['bookings.token_hash']);
      assert.deepEqual(bk.filter((c) => /created|updated|_at$|when|stamp/.test(c)), []);
      const hashes = sql(s.db, 'SELECT token_hash FROM bookings').split('\n');
      for (const h of hashes) assert.match(h, /^\$scrypt\$/, `token_hash ${h.slice(0, 12)}...`);
    });
  });
});

/* ---- notice and cutoff -------------------------------------------------------------- */

describe('min_notice_minutes 720 and cancel_cutoff_hours 72', () => {
  let s;
  before(async () => {
    s = await startServer({ setup: (db) => demo(db, { min_notice_minutes: 720, cancel_cutoff_hours: 72 }) });
  });
  after(async () => { if (s) await s.stop(); });

  test('a start in one hour -> 400 too_soon; /slots offers nothing within 12 hours', async () => {
    const soon = Math.ceil((Date.now() + 3600000) / (30 * MIN_MS)) * 30 * MIN_MS;
    expectError(await post(s, { service: 1, therapist: RIVERA, start: rfc(soon) }), 400, 'too_soon');
    expectError(await post(s, { service: 1, therapist: OKAFOR, start: rfc(soon) }), 400, 'too_soon');
    expectError(await post(s, { service: 1, start: rfc(soon) }), 400, 'too_soon');
    const t0 = Date.now();
    const got = await getSlots(s, { service: 1, from: dateOf(TODAY), days: 4 });
    const t1 = Date.now();
    assert.ok(got.length > 0);
    for (const x of got) assert.ok(msOf(x.start) >= t0 + 720 * MIN_MS - 1000, `slot ${x.start} is within the notice`);
    for (const x of expectedSlots(1, TODAY, 4)) {
      if (msOf(x.start) > t1 + 720 * MIN_MS + 1000) assert.ok(hasSlot(got, x.start, x.therapist), `missing ${x.start}`);
    }
    assert.equal(bookingCount(s.db), 0);
  });

  test('within the cutoff: cancel and reschedule -> 409 too_late; outside it both work', async () => {
    const got = await getSlots(s, { service: 1, from: dateOf(TODAY), days: 4 });
    const near = got.filter((x) => msOf(x.start) < Date.now() + 70 * 3600000);
    assert.ok(near.length >= 2, `no slot within 70 hours: ${JSON.stringify(got.slice(0, 3))}`);
    const { token, booking } = await book(s, 1, near[0].therapist, near[0].start);
    const other = got.find((x) => x.therapist === near[0].therapist && x.start !== near[0].start);
    expectError(await request(s, 'POST', '/api/v1/booking/cancel', { headers: bearer(token) }), 409, 'too_late');
    expectError(await request(s, 'POST', '/api/v1/booking/reschedule', { headers: bearer(token), json: { start: other.start } }),
      409, 'too_late');
    // Moving it further out does not escape the cutoff either.
    expectError(await request(s, 'POST', '/api/v1/booking/reschedule', { headers: bearer(token), json: { start: at(W(1), '10:00') } }),
      409, 'too_late');
    const now = await request(s, 'GET', '/api/v1/booking', { headers: bearer(token) });
    assert.deepEqual(now.json, booking);

    const far = await book(s, 1, RIVERA, at(W(1), '10:00'));
    const moved = await request(s, 'POST', '/api/v1/booking/reschedule', { headers: bearer(far.token), json: { start: at(W(1), '11:00') } });
    assert.equal(moved.status, 200, moved.body);
    const gone = await request(s, 'POST', '/api/v1/booking/cancel', { headers: bearer(far.token) });
    assert.equal(gone.status, 200, gone.body);
    assert.equal(gone.json.status, 'cancelled');
  });
});

/* ---- rate limits ------------------------------------------------------------------------ */

describe('booking_rate_per_hour 3', () => {
  let s;
  before(async () => { s = await startServer({ setup: (db) => demo(db, { booking_rate_per_hour: 3 }) }); });
  after(async () => { if (s) await s.stop(); });

  let fourth;
  test('the 4th booking from one client in an hour -> 429 with Retry-After', async () => {
    for (const t of ['09:00', '10:00']) await book(s, 1, RIVERA, at(W(1), t));
    // Losing a slot to someone else (409) does not count against the client.
    for (let i = 0; i < 3; i++) expectError(await post(s, { service: 1, therapist: RIVERA, start: at(W(1), '09:00') }), 409, 'slot_taken');
    await book(s, 1, RIVERA, at(W(1), '11:00'));
    fourth = () => post(s, { service: 1, therapist: RIVERA, start: at(W(1), '14:00') });
    const res = await fourth();
    expectError(res, 429);
    assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `Retry-After ${res.headers['retry-after']}`);
    assert.equal(bookingCount(s.db), 3);
    assert.ok(hasSlot(await getSlots(s, { service: 1, therapist: RIVERA, from: dateOf(W(1)), days: 1 }), at(W(1), '14:00'), RIVERA));
  });

  test('its Retry-After is honest: a retry after that many seconds is not refused again', async () => {
    assert.ok(fourth, 'the test before did not run');
    const res = await fourth();
    expectError(res, 429);
    await assertRetryAfterHonest(res, fourth);
  });
});

describe('guessing booking codes', () => {
  let s; let tok;
  before(async () => {
    s = await startServer({ setup: (db) => demo(db) });
    ({ token: tok } = await book(s, 1, RIVERA, at(W(1), '09:00')));
  });
  after(async () => { if (s) await s.stop(); });

  test('a wrong secret and an unknown lookup part take about the same time (both run scrypt)', async (t) => {
    const wrong = []; const unknown = [];
    for (let i = 0; i < 5; i++) {
      for (const [list, t] of [[wrong, changeSymbol(tok, 8 + i)], [unknown, changeSymbol(tok, i)]]) {
        const t0 = process.hrtime.bigint();
        const res = await request(s, 'GET', '/api/v1/booking', { headers: bearer(t) });
        list.push(Number(process.hrtime.bigint() - t0) / 1e6);
        expectError(res, 401);
      }
    }
    const mw = median(wrong); const mu = median(unknown);
    const info = `wrong secret ${wrong.map((x) => x.toFixed(1))} ms, unknown ${unknown.map((x) => x.toFixed(1))} ms`;
    t.diagnostic(info);
    assert.ok(mu <= 2 * mw && mw <= 2 * mu, `medians ${mw.toFixed(1)} vs ${mu.toFixed(1)} ms: ${info}`);
  });

  let eleventh;
  test('after 30 wrong codes from one client the next attempt gets 429 with Retry-After', async () => {
    // The test before made exactly 10 failed attempts; 20 more reach the limit.
    for (let i = 0; i < 20; i++) {
      expectError(await request(s, 'GET', '/api/v1/booking', { headers: bearer(changeSymbol(tok, 10 + (i % 20))) }), 401);
    }
    eleventh = () => request(s, 'GET', '/api/v1/booking', { headers: bearer(changeSymbol(tok, 30)) });
    const res = await eleventh();
    expectError(res, 429);
    assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `Retry-After ${res.headers['retry-after']}`);
    const right = await request(s, 'GET', '/api/v1/booking/ticket.svg', { headers: bearer(tok) });
    expectError(right, 429);
  });

  test('its Retry-After is honest: a retry after that many seconds is not refused again', async () => {
    assert.ok(eleventh, 'the test before did not run');
    const res = await eleventh();
    expectError(res, 429);
    await assertRetryAfterHonest(res, () => request(s, 'GET', '/api/v1/booking', { headers: bearer(tok) }));
  });
});
