// A full disk (issue 6), made with a file-size limit: the running
// saferoomd's RLIMIT_FSIZE is lowered with prlimit to what its WAL holds, so
// that no write can grow the database any more, as on a full file system.
// Then every write fails with a clear 503 and Retry-After (JSON on the API,
// a page on the HTML routes), the server neither crashes (SIGXFSZ is
// ignored) nor leaves anything half-written (the database dumps the same),
// reads are still served, the log says why once per failure and holds no
// client data; and once the limit is raised ("space is back") the same
// writes succeed, the database is intact and the books add up.
//
// The loop threads block every signal, so there SIGXFSZ never killed the
// server; the main thread (start-up: migrations, the key file) and
// saferoomctl were killed by it, and the last describe checks they now
// fail with a message instead.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ctlOk, startServer, request, expectError, StaffClient, dumpDb, saferoomd, saferoomctl, tempDir, makeCert, serverUser, userArgs, ctlDemoUnlimited,
} from '../lib/harness.mjs';
import {
  num, assertIntact, assertBooks, freeSlots, book, bearer,
} from '../lib/books.mjs';

const API = '/api/v1';

/*
 * prlimit on another process needs the same user and group as the process,
 * or CAP_SYS_RESOURCE, which root in a container usually lacks. Run as root
 * the server runs as serverUser(), so prlimit runs as that user too.
 */
function prlimit(args) {
  const u = serverUser();
  const argv = u
    ? ['setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, '--clear-groups', 'prlimit', ...args]
    : ['prlimit', ...args];
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
}

/** Sets the soft RLIMIT_FSIZE of a live process (bytes, or 'unlimited'); the hard limit stays unlimited. */
function fsizeLimit(pid, soft) {
  prlimit(['--pid', String(pid), `--fsize=${soft}:unlimited`]);
  const now = prlimit(['--pid', String(pid), '--fsize', '--raw', '--noheadings', '--output=SOFT']).trim();
  assert.equal(now, String(soft), `prlimit did not set the limit: ${now}`);
}

/** The value of the hidden one-time field of a staff form page. */
function onceOf(html) {
  const m = /name="once" value="([0-9a-f]{32})"/.exec(html);
  assert.ok(m, `no one-time field in the page: ${html.slice(0, 300)}`);
  return m[1];
}

/** POSTs a form with the session's csrf field (as a browser does). */
function postForm(c, urlPath, fields) {
  const body = new URLSearchParams({ csrf: c.csrf, ...fields }).toString();
  return c.request('POST', urlPath, {
    body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, csrf: null,
  });
}

/** Asserts res is the storage 503: status, Retry-After, and (on the API) code unavailable. */
function expectFull(res, what) {
  assert.equal(res.status, 503, `${what}: ${res.status} ${res.body.slice(0, 300)}`);
  assert.match(res.headers['retry-after'] ?? '', /^[1-9][0-9]*$/, `${what}: no Retry-After`);
  if (/json/.test(res.headers['content-type'] ?? '')) {
    const e = expectError(res, 503, 'unavailable');
    assert.match(e.message, /storage/, `${what}: the message does not say why: ${e.message}`);
  } else {
    assert.match(res.headers['content-type'] ?? '', /^text\/html/, `${what}: ${res.headers['content-type']}`);
    assert.match(res.body, /storage is full or busy/, `${what}: the page does not say why`);
  }
}

describe('a full disk (a file-size limit on the live server)', () => {
  let s;
  let desk;
  let slots;
  const made = [];	// {ref, token} booked before the disk filled

  before(async () => {
    let accounts;
    s = await startServer({
      setup: (db) => {
        accounts = ctlDemoUnlimited(db).by;
      },
    });
    desk = new StaffClient(s, accounts.desk);
    await desk.loginOk();
    slots = await freeSlots(s, 1, 16);
    assert.ok(slots.length >= 8, `only ${slots.length} free slots`);
    for (let i = 0; i < 2; i++) {
      const r = await book(s, slots.pop());
      assert.equal(r.status, 201, `book: ${r.status}`);
      made.push({ ref: r.json.booking.ref, token: r.json.token });
    }
  });
  after(async () => { if (s) await s.stop(); });

  test('writes answer 503 with Retry-After, reads are served, nothing is half-written; with room again writes work', async (t) => {
    const wal = `${s.db}-wal`;
    assert.ok(fs.existsSync(wal) && fs.statSync(wal).size > 0, 'the server wrote no WAL');
    const payPage = await desk.get(`/staff/pay?ref=${made[0].ref}`);
    assert.equal(payPage.status, 200, `GET /staff/pay: ${payPage.status}`);
    const cashForm = { ref: made[0].ref, method: 'cash', amount: '10', once: onceOf(payPage.body) };
    const counts = () => ({
      bookings: num(s.db, 'SELECT count(*) FROM bookings'),
      vouchers: num(s.db, 'SELECT count(*) FROM vouchers'),
      ledger: num(s.db, 'SELECT count(*) FROM ledger'),
      audit: num(s.db, 'SELECT count(*) FROM audit'),
    });
    const before0 = counts();
    const dump0 = dumpDb(s.db);
    const log0 = s.log().length;

    // The disk is full: not one more byte past what the WAL holds now.
    fsizeLimit(s.proc.pid, fs.statSync(wal).size);
    const failed = [];
    const attempt = async (what, p) => { const r = await p; expectFull(r, what); failed.push(what); return r; };
    await attempt('POST /api/v1/bookings', book(s, slots[slots.length - 1]));
    await attempt('POST /api/v1/staff/vouchers', desk.post(`${API}/staff/vouchers`,
      { count: 2, value_cents: 1000, currency: 'EUR', valid_days: 30 }));
    await attempt('POST /api/v1/staff/payments', desk.post(`${API}/staff/payments`,
      { booking: made[0].ref, method: 'card', amount_cents: 1000 }));
    await attempt('POST /api/v1/booking/cancel', request(s, 'POST', `${API}/booking/cancel`,
      { headers: bearer(made[1].token) }));
    const sl = slots[slots.length - 1];
    await attempt('POST /book', request(s, 'POST', '/book', {
      body: new URLSearchParams({ service: String(sl.service), therapist: String(sl.therapist), start: sl.start }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }));
    await attempt('POST /staff/pay/desk', postForm(desk, '/staff/pay/desk', cashForm));

    // Still up, and reading: public, client and staff.
    assert.equal(s.proc.exitCode, null, 'the server exited');
    assert.equal(s.proc.signalCode, null, 'the server was killed by a signal');
    assert.equal((await request(s, 'GET', `${API}/services`)).status, 200);
    const mine = await request(s, 'GET', `${API}/booking`, { headers: bearer(made[1].token) });
    assert.equal(mine.status, 200, `GET /booking: ${mine.status}`);
    assert.equal(mine.json.status, 'booked');
    assert.equal((await desk.get(`${API}/staff/calendar?from=${slots[0].start.slice(0, 10)}&days=7`)).status, 200);
    assert.equal((await desk.get('/staff/desk')).status, 200);

    // Nothing of any failed write is in the database.
    assert.equal(dumpDb(s.db), dump0, 'a failed write left something behind');
    assertIntact(s.db);

    // The log says why, once per failed request, and names no client.
    const log = s.log().slice(log0);
    const said = log.split('\n').filter((l) => /503: the database is (full|unwritable)/.test(l));
    assert.equal(said.length, failed.length, `one line per failure expected (${failed.join(', ')}):\n${log}`);
    for (const m of made) {
      assert.ok(!log.includes(m.ref) && !log.includes(m.token), `the log names a booking:\n${log}`);
    }
    assert.ok(!log.includes('127.0.0.1'), `the log holds an address:\n${log}`);
    t.diagnostic(`log while full:\n${log.trim()}`);

    // Space is back: the same writes go through.
    fsizeLimit(s.proc.pid, 'unlimited');
    const b = await book(s, slots.pop());
    assert.equal(b.status, 201, `book with room again: ${b.status} ${b.body.slice(0, 200)}`);
    const v = await desk.post(`${API}/staff/vouchers`, { count: 2, value_cents: 1000, currency: 'EUR', valid_days: 30 });
    assert.equal(v.status, 201, `vouchers with room again: ${v.status}`);
    const p = await desk.post(`${API}/staff/payments`, { booking: made[0].ref, method: 'card', amount_cents: 1000 });
    assert.equal(p.status, 200, `payment with room again: ${p.status}`);
    // The cash form that failed was not used up: sent again, it takes the money, once.
    const cash = await postForm(desk, '/staff/pay/desk', cashForm);
    assert.equal(cash.status, 303, `the cash form again: ${cash.status} ${cash.body.slice(0, 200)}`);
    const after1 = counts();
    assert.equal(after1.bookings, before0.bookings + 1);
    assert.equal(after1.vouchers, before0.vouchers + 2);
    assert.equal(after1.ledger, before0.ledger + 2 + 1 + 1);
    assertIntact(s.db);
    assertBooks(s.db);
    assert.equal(num(s.db, `SELECT paid_cents FROM bookings WHERE ref = '${made[0].ref}'`), 2000);
  });

  test('room for part of a transaction: what was cut off halfway is not there, what was acknowledged is', async (t) => {
    const wal = `${s.db}-wal`;
    const page = num(s.db, 'PRAGMA page_size');
    const before0 = num(s.db, 'SELECT count(*) FROM bookings');
    // Two WAL frames of room: a booking (its row and four indexes) needs more.
    fsizeLimit(s.proc.pid, fs.statSync(wal).size + 2 * (page + 24));
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const r = await book(s, slots.pop());
      if (r.status !== 201) expectFull(r, 'POST /api/v1/bookings');
      answers.push(r.status);
    }
    assert.ok(answers.includes(503), `no booking failed: ${answers.join(' ')}`);
    t.diagnostic(`with two frames of room: ${answers.join(' ')}`);
    assertIntact(s.db);
    const acked = answers.filter((x) => x === 201).length;
    assert.equal(num(s.db, 'SELECT count(*) FROM bookings'), before0 + acked);
    fsizeLimit(s.proc.pid, 'unlimited');
    const r = await book(s, slots.pop());
    assert.equal(r.status, 201, `book with room again: ${r.status}`);
    assert.equal(num(s.db, 'SELECT count(*) FROM bookings'), before0 + acked + 1);
    assertIntact(s.db);
    assertBooks(s.db);
    // Killed, the server leaves its WAL to be recovered on the next start:
    // the frames cut off halfway must not come back then.
    await s.stop('SIGKILL');
    await s.restart();
    assertIntact(s.db);
    assert.equal(num(s.db, 'SELECT count(*) FROM bookings'), before0 + acked + 1);
    const again = await request(s, 'GET', `${API}/booking`, { headers: bearer(r.json.token) });
    assert.equal(again.status, 200);
  });
});

describe('no room at all from the start', () => {
  /** Runs a program under a file-size limit of 0 bytes; its status, signal and stderr. */
  const underLimit = (argv) => {
    const r = spawnSync('prlimit', ['--fsize=0:unlimited', '--', ...argv],
      { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw r.error;
    return r;
  };

  test('saferoomctl fails with a message, not killed by SIGXFSZ, and leaves no database', () => {
    const dir = tempDir('fsize-');
    const db = path.join(dir, 'saferoom.db');
    const r = underLimit([saferoomctl(), '--db', db, 'demo']);
    assert.equal(r.signal, null, `saferoomctl was killed by ${r.signal}`);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /saferoomctl: .*(I\/O error|full)/, `stderr: ${r.stderr}`);
    assert.ok(!fs.existsSync(db) || fs.statSync(db).size === 0, 'a half-made database was left');
  });

  test('saferoomd exits 1 with a message, not killed by SIGXFSZ', () => {
    const dir = tempDir('fsize-');
    const db = path.join(dir, 'saferoom.db');
    ctlOk(db, 'demo');
    const { cert, key } = makeCert();
    const r = underLimit([saferoomd(), ...userArgs(), '--db', db, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]);
    assert.equal(r.signal, null, `saferoomd was killed by ${r.signal}`);
    assert.equal(r.status, 1, `saferoomd: ${r.status} ${r.stderr}`);
    assert.match(r.stderr, /saferoomd: /, `stderr: ${r.stderr}`);
    assert.equal(execFileSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
  });
});
