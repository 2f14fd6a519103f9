// Key rotation (issue 6): saferoomctl keys rotate / keys list against a
// running saferoomd that picks the new keys up on SIGHUP. A new ticket key
// signs new passes while passes of the old key still check in, until the
// old key's recorded end (KEEP_UNTIL, keys.h) has passed; a new cookie key
// ends every staff session and every client manage cookie. Bad input exits
// 2 and leaves the key file and the database as they were.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, request, ctl, ctlOk, StaffClient, expectError, dumpDb, parseBlocks, setCookies, parseSetCookie, sleep, ctlDemoUnlimited,
} from '../lib/harness.mjs';
import { sql } from '../lib/books.mjs';

const API = '/api/v1';
const MANAGE_COOKIE = '__Host-saferoom-manage';
const nowS = () => Math.floor(Date.now() / 1000);
/** The KID field of SR1:REF:START:KID:SIG. */
const kid = (ticket) => {
  const parts = ticket.split(':');
  assert.equal(parts.length, 5, `not a ticket: ${ticket}`);
  return Number(parts[3]);
};

/** Sends SIGHUP and waits for the server to log the nth reload (or refusal) since start. */
async function hup(s, n, what = 'key file reloaded') {
  s.proc.kill('SIGHUP');
  const deadline = Date.now() + 10000;
  for (;;) {
    const seen = s.log().split('\n').filter((l) => l.includes(`SIGHUP: ${what}`)).length;
    if (seen >= n) return;
    assert.ok(Date.now() < deadline, `no "${what}" #${n} in the log after SIGHUP:\n${s.log()}`);
    await sleep(50);
  }
}

describe('saferoomctl keys rotate with a live saferoomd', () => {
  let s, keyFile, desk, slots, reloads = 0, refused = 0;
  const acc = {};

  /** Books the next free slot (slots next to a booked one overlap it: skipped). */
  const book = async () => {
    for (;;) {
      const sl = slots.shift();
      assert.ok(sl, 'out of slots');
      const res = await request(s, 'POST', `${API}/bookings`, { json: { service: 1, therapist: sl.therapist, start: sl.start } });
      if (res.status === 409) continue;
      assert.equal(res.status, 201, `book: ${res.status} ${res.body.slice(0, 300)}`);
      return res.json;
    }
  };
  const clientTicket = async (token) => {
    const res = await request(s, 'GET', `${API}/booking`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, res.body);
    return res.json.ticket ?? res.json.booking?.ticket;
  };
  const checkin = (ticket) => desk.post(`${API}/staff/checkin`, { ticket });
  const reload = async () => { reloads++; await hup(s, reloads); };
  const keyLines = () => fs.readFileSync(keyFile, 'utf8').split('\n').filter((l) => /^(mac|ticket) /.test(l));
  const ticketIds = () => keyLines().filter((l) => l.startsWith('ticket ')).map((l) => Number(l.split(' ')[1]));

  before(async () => {
    s = await startServer({
      setup: (db) => {
        Object.assign(acc, ctlDemoUnlimited(db).by);
      },
    });
    keyFile = `${s.db}.keys`;
    desk = new StaffClient(s, acc.desk);
    await desk.loginOk();
    const from = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
    slots = (await request(s, 'GET', `${API}/slots?service=1&from=${from}&days=14`)).json.slots;
    assert.ok(slots.length >= 10, `only ${slots.length} slots`);
  });
  after(async () => { if (s) await s.stop(); });

  test('keys list: ids, kinds and times, never key material', () => {
    const r = ctlOk(s.db, 'keys', 'list');
    const blocks = parseBlocks(r.stdout);
    assert.deepEqual(blocks.map((b) => [b.kind, b.id, b.state]), [['cookie', '1', 'signs'], ['ticket', '1', 'signs']]);
    for (const b of blocks) assert.match(b.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const l of keyLines()) {
      const hex = l.split(' ')[2];
      assert.match(hex, /^[0-9a-f]{64}$/);
      assert.ok(!r.stdout.includes(hex) && !r.stdout.includes(hex.slice(0, 16)), 'keys list shows key material');
    }
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  });

  test('ticket rotation: old passes still check in, new passes carry the new KID', async () => {
    const a = await book();
    const c = await book();
    assert.equal(kid(a.booking.ticket), 1);
    assert.equal(kid(c.booking.ticket), 1);
    const auditBefore = Number(sql(s.db, "SELECT count(*) FROM audit WHERE action = 'keys_rotated'"));

    const r = ctlOk(s.db, 'keys', 'rotate');
    assert.equal(r.kv.ticket_key, '2');
    assert.equal(r.kv.retired_ticket_key, '1');
    assert.equal(r.kv.dropped_ticket_keys, 'none');
    assert.equal(r.kv.cookie_key, undefined, 'the default rotation changed the cookie key');
    assert.match(r.stderr, /SIGHUP/);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(!fs.existsSync(`${keyFile}.tmp`));
    assert.deepEqual(ticketIds(), [1, 2]);
    assert.equal(Number(sql(s.db, "SELECT count(*) FROM audit WHERE action = 'keys_rotated'")), auditBefore + 1);
    // KEEP_UNTIL: now + grace + (horizon_days + 2) days + 600 minutes (keys.h).
    const line1 = keyLines().find((l) => l.startsWith('ticket 1 ')).split(' ');
    assert.equal(line1.length, 6, `retired line: ${line1.join(' ')}`);
    const [retired, keep] = [Number(line1[4]), Number(line1[5])];
    assert.ok(Math.abs(retired - nowS()) <= 5, `retired ${retired}`);
    assert.equal(keep - retired, 3600 + 92 * 86400 + 600 * 60);
    assert.equal(r.kv.retired_verifies_until, new Date(keep * 1000).toISOString().replace('.000', ''));

    // Not yet picked up: the server still signs with key 1.
    assert.equal(kid(await clientTicket(a.token)), 1);
    await reload();
    assert.match(s.log(), /SIGHUP: key file reloaded: mac key 1, ticket key 2 signs, 2 ticket keys verify/);

    const b = await book();
    assert.equal(kid(b.booking.ticket), 2);
    assert.equal(kid(await clientTicket(a.token)), 2, 'a pass shown again is signed with the new key');
    // The pass printed before the rotation still checks in.
    const res = await checkin(a.booking.ticket);
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.status, 'checked_in');
    assert.equal((await checkin(b.booking.ticket)).status, 200);
    // A signature of key 1 claimed as key 2 is refused.
    const p = c.booking.ticket.split(':');
    expectError(await checkin([p[0], p[1], p[2], '2', p[4]].join(':')), 400, 'bad_ticket');

    // After KEEP_UNTIL (as if the months had passed: the recorded end
    // moved into the past), key 1 verifies nothing, at once on reload...
    const text = fs.readFileSync(keyFile, 'utf8');
    fs.writeFileSync(keyFile, text.replace(/^(ticket 1 \S+ \d+ \d+) \d+$/m, `$1 ${nowS() - 10}`));
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    await reload();
    expectError(await checkin(c.booking.ticket), 400, 'bad_ticket');
    // ... and the next rotation drops it from the file.
    const r2 = ctlOk(s.db, 'keys', 'rotate', '--ticket');
    assert.equal(r2.kv.dropped_ticket_keys, '1');
    assert.equal(r2.kv.ticket_key, '3');
    assert.deepEqual(ticketIds(), [2, 3]);
    await reload();
    expectError(await checkin(c.booking.ticket), 400, 'bad_ticket');
    // The booking itself is fine: its pass as shown now checks in.
    const fresh = await clientTicket(c.token);
    assert.equal(kid(fresh), 3);
    assert.equal((await checkin(fresh)).status, 200);
    // Key 2 (retired just now) still verifies b's pass: already in, not "bad".
    expectError(await checkin(b.booking.ticket), 409, 'already_checked_in');
  });

  test('a booking later than the horizon keeps the retired key until its session ends', async () => {
    const d = await book();
    const end = nowS() + 400 * 86400;
    sql(s.db, `UPDATE bookings SET end_utc = ${end} WHERE ref = '${d.booking.ref}'`);
    const r = ctlOk(s.db, 'keys', 'rotate');
    const line = keyLines().find((l) => l.startsWith(`ticket ${r.kv.retired_ticket_key} `)).split(' ');
    assert.equal(Number(line[5]), end);
    await reload();
  });

  test('at KEYS_TICKET_MAX keys still needed: refused with exit 2, nothing changed', async () => {
    while (ticketIds().length < 8) ctlOk(s.db, 'keys', 'rotate');
    const bytes = fs.readFileSync(keyFile);
    const db = dumpDb(s.db);
    for (const args of [['keys', 'rotate'], ['keys', 'rotate', '--all']]) {
      const r = ctl(s.db, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.status} ${r.stderr}`);
      assert.match(r.stderr, /8 ticket keys/);
      assert.match(r.stderr, /Ticket key \d+ can go from \d{4}-\d\d-\d\dT/);
      assert.equal(r.stdout, '');
      assert.ok(fs.readFileSync(keyFile).equals(bytes), 'the key file changed');
      assert.equal(dumpDb(s.db), db, 'the database changed');
    }
    // The cookie key alone may still be rotated (next test).
    await reload();
  });

  test('cookie rotation: every staff session and manage cookie ends; signing in again works', async () => {
    const e = await book();
    // A client's manage cookie from the code.
    const opened = await request(s, 'POST', '/manage', {
      body: `code=${encodeURIComponent(e.token)}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(opened.status, 303, opened.body.slice(0, 300));
    const mc = setCookies(opened).map(parseSetCookie).find((x) => x.name === MANAGE_COOKIE);
    assert.ok(mc && mc.value, 'no manage cookie');
    const manage = () => request(s, 'GET', '/manage/booking', { headers: { Cookie: `${MANAGE_COOKIE}=${mc.value}` } });
    assert.equal((await manage()).status, 200);

    const admin = new StaffClient(s, acc.admin);
    await admin.loginOk();
    assert.equal((await desk.get(`${API}/staff/me`)).status, 200);
    assert.equal((await admin.get(`${API}/staff/me`)).status, 200);
    assert.ok(Number(sql(s.db, 'SELECT count(*) FROM sessions')) >= 2);
    const ticketsBefore = ticketIds();

    const r = ctlOk(s.db, 'keys', 'rotate', '--cookie');
    assert.equal(r.kv.cookie_key, '2');
    assert.equal(r.kv.staff_sessions, 'ended');
    assert.equal(r.kv.ticket_key, undefined, '--cookie changed the ticket keys');
    assert.deepEqual(ticketIds(), ticketsBefore);
    assert.equal(sql(s.db, 'SELECT count(*) FROM sessions'), '0');
    assert.match(sql(s.db, "SELECT detail FROM audit WHERE action = 'keys_rotated' ORDER BY id DESC LIMIT 1"),
      /cookie key 2, staff sessions ended/);
    // Staff sessions end at once: they are gone from the database.
    expectError(await desk.get(`${API}/staff/me`), 401);
    expectError(await admin.get(`${API}/staff/me`), 401);
    // The manage cookie is checked with the MAC key: it ends on pick-up.
    assert.equal((await manage()).status, 200, 'the old MAC key was dropped before the reload');
    await reload();
    assert.match(s.log(), /key file reloaded: mac key 2/);
    assert.equal((await manage()).status, 401);

    await desk.loginOk();
    assert.equal((await desk.get(`${API}/staff/me`)).status, 200);
    // Tickets are not touched by a cookie rotation.
    assert.equal((await checkin(e.booking.ticket)).status, 200);
  });

  test('a key file that does not load is refused on SIGHUP; the keys in use stay', async () => {
    const bytes = fs.readFileSync(keyFile);
    const f = await book();
    fs.writeFileSync(keyFile, 'mac 1 nothex\n');
    refused++;
    await hup(s, refused, 'key file not reloaded');
    const g = await book();
    assert.equal(kid(g.booking.ticket), kid(f.booking.ticket));
    assert.equal((await checkin(f.booking.ticket)).status, 200);
    assert.equal((await desk.get(`${API}/staff/me`)).status, 200);
    fs.writeFileSync(keyFile, bytes);
    await reload();
  });

  test('bad input: exit 2 with a sentence, key file and database unchanged', async () => {
    const bytes = fs.readFileSync(keyFile);
    const db = dumpDb(s.db);
    const cases = [
      ['keys'],
      ['keys', 'frobnicate'],
      ['keys', 'rotate', '--bogus'],
      ['keys', 'rotate', '--ticket', '--cookie'],
      ['keys', 'rotate', '--cookie', '--all'],
      ['keys', 'rotate', '--ticket', '--ticket'],
      ['keys', 'rotate', 'now'],
      ['keys', 'rotate', '--ticket=1'],
      ['keys', 'list', '--all'],
      ['keys', 'list', 'x'],
    ];
    for (const args of cases) {
      const r = ctl(s.db, ...args);
      assert.equal(r.status, 2, `${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, /^saferoomctl: \S/, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', `${args.join(' ')} printed ${r.stdout}`);
      assert.ok(fs.readFileSync(keyFile).equals(bytes), `${args.join(' ')} changed the key file`);
    }
    assert.equal(dumpDb(s.db), db, 'the database changed');

    // A database without a key file: exit 2, and no key file is made.
    const other = path.join(s.dir, 'other.db');
    ctlOk(other, 'settings', 'set', 'retention_days', '30');
    for (const args of [['keys', 'rotate'], ['keys', 'list']]) {
      const r = ctl(other, ...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /no key file .*other\.db\.keys/);
      assert.ok(!fs.existsSync(`${other}.keys`));
    }

    // A key file others may read is refused, left as it is.
    fs.chmodSync(keyFile, 0o640);
    const r = ctl(s.db, 'keys', 'rotate');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /mode 640, must be 0600/);
    assert.ok(fs.readFileSync(keyFile).equals(bytes));
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o640);
    fs.chmodSync(keyFile, 0o600);
    assert.equal(dumpDb(s.db), db, 'the database changed');
  });

  // Under the sanitizer build a key set freed too early or never freed
  // after all these reloads shows here.
  test('after all the reloads saferoomd still stops cleanly with status 0', async () => {
    const e = await s.stop();
    assert.deepEqual([e.code, e.signal], [0, null], s.log());
    assert.doesNotMatch(s.log(), /AddressSanitizer|LeakSanitizer|runtime error/);
  });
});
