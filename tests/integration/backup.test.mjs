// Backups (issue 6, begun here): saferoomctl backup takes a consistent copy
// while saferoomd writes, the copy is intact and 0600, and restore puts it
// back; bad input exits 2 and leaves nothing behind.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, request, ctl, ctlDemoUnlimited } from '../lib/harness.mjs';
import { sql } from '../lib/books.mjs';


describe('saferoomctl backup and restore', () => {
  let s;
  before(async () => {
    s = await startServer({
      setup: (db) => {
        ctlDemoUnlimited(db);
      },
    });
  });
  after(async () => { if (s) await s.stop(); });

  test('a backup under write load is intact and restores', async () => {
    const from = new Date(Date.now() + 3 * 86400000).toISOString().slice(0, 10);
    const slots = (await request(s, 'GET', `/api/v1/slots?service=1&from=${from}&days=14`)).json.slots;
    assert.ok(slots.length >= 30, `only ${slots.length} slots`);
    // Bookings keep coming while the backup runs.
    let stop = false;
    let made = 0;
    const load = (async () => {
      for (const sl of slots) {
        if (stop) break;
        const r = await request(s, 'POST', '/api/v1/bookings', { json: { service: 1, therapist: sl.therapist, start: sl.start } });
        if (r.status === 201) made++;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const file = path.join(s.dir, 'backup.db');
    const b = ctl(s.db, 'backup', file);
    assert.equal(b.status, 0, b.stderr);
    stop = true;
    await load;
    assert.ok(made > 0);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(sql(file, 'PRAGMA integrity_check'), 'ok');
    const inBackup = Number(sql(file, 'SELECT count(*) FROM bookings'));
    const live = Number(sql(s.db, 'SELECT count(*) FROM bookings'));
    assert.ok(inBackup <= live, `${inBackup} > ${live}`);
    // The key file is not in the backup, nor any secret.
    assert.ok(!fs.readFileSync(file).includes(fs.readFileSync(`${s.db}.keys`).subarray(-40)));
    // A second backup to the same file is refused and keeps the first.
    const again = ctl(s.db, 'backup', file);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /cannot create/);
    assert.equal(sql(file, 'SELECT count(*) FROM bookings'), String(inBackup));
    // Restore, with the server stopped: the data is the backup's.
    await s.stop();
    const r = ctl(s.db, 'restore', file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(sql(s.db, 'SELECT count(*) FROM bookings'), String(inBackup));
    assert.equal(sql(s.db, 'PRAGMA integrity_check'), 'ok');
    await s.restart();
    assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
  });

  test('bad input: exit 2, a message, nothing written', () => {
    for (const args of [['backup'], ['backup', ''], ['backup', path.join(s.dir, 'no', 'such', 'dir.db')],
      ['restore'], ['restore', path.join(s.dir, 'missing.db')]]) {
      const r = ctl(s.db, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.status} ${r.stderr}`);
      assert.match(r.stderr, /saferoomctl: /);
    }
    const junk = path.join(s.dir, 'junk.db');
    fs.writeFileSync(junk, 'not a database at all'.repeat(100));
    const before = sql(s.db, 'SELECT count(*) FROM bookings');
    const r = ctl(s.db, 'restore', junk);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(sql(s.db, 'SELECT count(*) FROM bookings'), before);
    assert.ok(!fs.existsSync(path.join(s.dir, 'no')));
  });
});
