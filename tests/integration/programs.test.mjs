// The two programs as API.md "Programs" names them: saferoomd's flags,
// start-up errors, --config and signals; saferoomctl's commands, their
// `key: value` output, and exit status 2 with nothing written on bad input.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  makeCert, tempDir, ctl, ctlOk, startServer, request, dumpDb, saferoomd, userArgs,
} from '../lib/harness.mjs';

const PASSWORD = 'correct horse battery staple';

/**
 * Runs saferoomd expecting it to exit by itself within 10 s; as root with
 * `--user` first (harness userArgs()), so that the flags under test decide.
 */
function rund(args, opts = {}) {
  const r = spawnSync(saferoomd(), [...userArgs(), ...args], { encoding: 'utf8', timeout: 10000, ...opts });
  assert.ok(!r.error || r.error.code !== 'ETIMEDOUT',
    `saferoomd ${args.join(' ')} did not exit: stdout ${r.stdout} stderr ${r.stderr}`);
  assert.ok(r.signal === null, `saferoomd died of ${r.signal}: ${r.stderr}`);
  return r;
}

/** Asserts every non-empty output line is a `key: value` line. */
function assertKvLines(stdout, what) {
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    assert.match(line, /^[A-Za-z0-9_.-]+: ?.*$/, `${what}: not a key: value line: ${JSON.stringify(line)}`);
  }
}

describe('saferoomd', () => {
  let cert, key, dir;
  before(() => {
    ({ cert, key } = makeCert());
    dir = tempDir('d-');
  });
  const args = (over = {}) => {
    const a = {
      '--db': path.join(dir, 'x.db'), '--listen': '127.0.0.1:0',
      '--tls-cert': cert, '--tls-key': key, ...over,
    };
    return Object.entries(a).filter(([, v]) => v !== null).flat();
  };

  test('no arguments: non-zero exit and a message on stderr', () => {
    const r = rund([]);
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0, 'nothing on stderr');
    assert.ok(!/listening on/.test(r.stdout));
  });

  test('an unknown flag: non-zero exit, stderr names it', () => {
    const r = rund([...args(), '--bogus-flag', 'x']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /bogus-flag/);
  });

  test('a flag without its value: non-zero exit and a message', () => {
    const r = rund([...args({ '--db': null }), '--db']);
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0, 'nothing on stderr');
  });

  test('each required flag left out: non-zero exit and a message', () => {
    for (const flag of ['--db', '--listen', '--tls-cert', '--tls-key']) {
      const r = rund(args({ [flag]: null }));
      assert.notEqual(r.status, 0, `without ${flag}`);
      assert.ok(r.stderr.trim().length > 0, `without ${flag}: nothing on stderr`);
    }
  });

  test('a bad listen address: non-zero exit and a message', () => {
    for (const listen of ['127.0.0.1', '127.0.0.1:99999', 'nohost:abc']) {
      const r = rund(args({ '--listen': listen }));
      assert.notEqual(r.status, 0, `--listen ${listen}`);
      assert.ok(r.stderr.trim().length > 0, `--listen ${listen}: nothing on stderr`);
    }
  });

  test('a missing certificate file: exit 1, the message names the certificate', () => {
    const r = rund(args({ '--tls-cert': path.join(dir, 'no-such-cert.pem') }));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cert/i);
  });

  test('a certificate file that is not a certificate: exit 1', () => {
    const junk = path.join(dir, 'junk-cert.pem');
    fs.writeFileSync(junk, 'this is not PEM\n');
    const r = rund(args({ '--tls-cert': junk }));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cert/i);
  });

  test('a missing key file: exit 1, the message names the key', () => {
    const r = rund(args({ '--tls-key': path.join(dir, 'no-such-key.pem') }));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /key/i);
  });

  test('an unreadable key (not a key, or a folder): exit 1, the message names the key', () => {
    // The tests run as root, for whom mode 000 does not stop a read.
    const junk = path.join(dir, 'junk-key.pem');
    fs.writeFileSync(junk, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    for (const k of [junk, dir]) {
      const r = rund(args({ '--tls-key': k }));
      assert.equal(r.status, 1, `--tls-key ${k}: ${r.stderr}`);
      assert.match(r.stderr, /key/i);
    }
  });

  test('a key that does not match the certificate: exit 1, the message says so', () => {
    const other = path.join(dir, 'other-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt',
      'ec_paramgen_curve:P-256', '-out', other], { stdio: 'ignore' });
    const r = rund(args({ '--tls-key': other }));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /match|key/i);
    assert.ok(!/listening on/.test(r.stdout));
  });

  test('a database in a folder that does not exist: non-zero exit and a message', () => {
    const r = rund(args({ '--db': path.join(dir, 'no', 'such', 'dir', 'x.db') }));
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0, 'nothing on stderr');
    assert.ok(!fs.existsSync(path.join(dir, 'no')), 'made the folder');
  });

  test('a database file that is not SQLite: non-zero exit and a message', () => {
    const bad = path.join(dir, 'garbage.db');
    fs.writeFileSync(bad, 'not a database '.repeat(500));
    const r = rund(args({ '--db': bad }));
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0, 'nothing on stderr');
  });

  test('SIGTERM: exit 0; SIGINT: exit 0', async () => {
    for (const sig of ['SIGTERM', 'SIGINT']) {
      const s = await startServer();
      const res = await request(s, 'GET', '/api/v1/services');
      assert.equal(res.status, 200);
      const r = await s.stop(sig);
      assert.deepEqual(r, { code: 0, signal: null }, `${sig}: ${s.log()}`);
    }
  });

  test('prints exactly one listening line with the real port', async () => {
    const s = await startServer();
    try {
      const lines = s.stdout().split('\n').filter((l) => /listening on/.test(l));
      assert.equal(lines.length, 1);
      assert.equal(lines[0], `listening on https://127.0.0.1:${s.port}`);
      assert.ok(s.port > 0);
    } finally {
      await s.stop();
    }
  });

  test('creates the database and a key file beside it, both mode 0600', async () => {
    const s = await startServer();
    try {
      for (const f of [s.db, `${s.db}.keys`]) {
        assert.ok(fs.existsSync(f), `${f} missing`);
        assert.equal(fs.statSync(f).mode & 0o777, 0o600, `${f} mode`);
      }
      for (const f of fs.readdirSync(s.dir)) {
        if (!f.startsWith('saferoom.db')) continue;
        const mode = fs.statSync(path.join(s.dir, f)).mode & 0o777;
        assert.equal(mode & 0o077, 0, `${f} is readable by others: ${mode.toString(8)}`);
      }
    } finally {
      await s.stop();
    }
  });

  test('--config FILE alone: every setting from the file, comments allowed', async () => {
    const d = tempDir('conf-');
    const s = await startServer({
      defaults: false,
      config: [
        '# saferoomd settings for a test',
        '',
        `db = ${path.join(d, 'c.db')}`,
        'listen = 127.0.0.1:0',
        `tls-cert = ${cert}`,
        `tls-key = ${key}`,
        '',
      ].join('\n'),
    });
    try {
      assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
      assert.ok(fs.existsSync(path.join(d, 'c.db')), 'the db of the file was not used');
    } finally {
      assert.deepEqual(await s.stop(), { code: 0, signal: null });
    }
  });

  test('--config: flags win over the file', async () => {
    // The file names a port that is taken; the flag says port 0. Had the
    // file won, the bind would fail.
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = blocker.address().port;
    try {
      const s = await startServer({ config: { listen: `127.0.0.1:${taken}` } });
      try {
        assert.notEqual(s.port, taken);
        assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
      } finally {
        await s.stop();
      }
    } finally {
      blocker.close();
    }
  });

  test('--config: a listen line in the file is used when no flag says otherwise', async () => {
    const s = await startServer({
      defaults: false,
      config: { listen: '127.0.0.1:0' },
      args: ['--db', path.join(tempDir('conf2-'), 'c.db'), '--tls-cert', cert, '--tls-key', key],
    });
    try {
      assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
    } finally {
      await s.stop();
    }
  });

  test('--config: a missing file or an unknown setting in it: non-zero exit and a message', () => {
    let r = rund([...args(), '--config', path.join(dir, 'no-such.conf')]);
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0);
    const bad = path.join(dir, 'bad.conf');
    fs.writeFileSync(bad, 'no-such-setting = 1\n');
    r = rund([...args(), '--config', bad]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no-such-setting/);
  });

  test('a listen port already in use: non-zero exit and a message', async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const r = rund(args({ '--listen': `127.0.0.1:${blocker.address().port}` }));
      assert.notEqual(r.status, 0);
      assert.ok(r.stderr.trim().length > 0);
    } finally {
      blocker.close();
    }
  });
});

describe('saferoomctl', () => {
  let dir;
  before(() => { dir = tempDir('ctl-'); });
  const freshDb = (name) => path.join(dir, `${name}.db`);

  test('a --db with no database behind it: commands that read exit 2 and make no file', () => {
    const db = freshDb('typo');
    for (const args of [['staff', 'list'], ['keys', 'list'], ['keys', 'rotate'], ['audit'],
      ['settings', 'get', 'timezone'], ['backup', path.join(dir, 'typo-copy.db')], ['purge']]) {
      const r = ctl(db, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.status} ${r.stderr}`);
      assert.match(r.stderr, /no database at /, `${args.join(' ')}: ${r.stderr}`);
      for (const f of [db, `${db}.keys`, `${db}-wal`, path.join(dir, 'typo-copy.db')]) {
        assert.ok(!fs.existsSync(f), `${args.join(' ')} left ${f}`);
      }
    }
  });

  test('staff add: totp_secret in base32 and an otpauth://totp/ URI', () => {
    const db = freshDb('staff');
    for (const role of ['admin', 'therapist', 'desk']) {
      const r = ctlOk(db, 'staff', 'add', '--role', role, '--username', `u_${role}`,
        '--display-name', `Display ${role}`, '--password-stdin', { input: `${PASSWORD}\n` });
      assertKvLines(r.stdout, 'staff add');
      assert.match(r.kv.totp_secret ?? '', /^[A-Z2-7]{16,}=*$/, `totp_secret: ${r.stdout}`);
      assert.ok(r.kv.totp_uri?.startsWith('otpauth://totp/'), `totp_uri: ${r.stdout}`);
      const uri = new URL(r.kv.totp_uri);
      assert.equal(uri.searchParams.get('secret'), r.kv.totp_secret);
      if (uri.searchParams.has('digits')) assert.equal(uri.searchParams.get('digits'), '6');
      if (uri.searchParams.has('period')) assert.equal(uri.searchParams.get('period'), '30');
      if (uri.searchParams.has('algorithm')) assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
      assert.ok(!r.stdout.includes(PASSWORD), 'the password was printed');
    }
    // Each account gets its own secret.
    const a = ctlOk(db, 'staff', 'add', '--role', 'desk', '--username', 'u2',
      '--password-stdin', { input: `${PASSWORD}\n` });
    const b = ctlOk(db, 'staff', 'add', '--role', 'desk', '--username', 'u3',
      '--password-stdin', { input: `${PASSWORD}\n` });
    assert.notEqual(a.kv.totp_secret, b.kv.totp_secret);
  });

  test('staff add: the password is not stored in the clear', () => {
    const db = freshDb('pw');
    ctlOk(db, 'staff', 'add', '--role', 'admin', '--username', 'root1',
      '--password-stdin', { input: `${PASSWORD}\n` });
    assert.ok(!dumpDb(db).includes(PASSWORD));
    assert.ok(!fs.readFileSync(db).includes(PASSWORD));
  });

  test('service add prints id: N; hours add and settings set succeed', () => {
    const db = freshDb('svc');
    const a = ctlOk(db, 'service', 'add', '--name', 'Couples session', '--minutes', '50',
      '--price-cents', '9000', '--currency', 'EUR');
    assertKvLines(a.stdout, 'service add');
    assert.match(a.kv.id ?? '', /^[0-9]+$/, a.stdout);
    const b = ctlOk(db, 'service', 'add', '--name', 'Free intro', '--minutes', '15',
      '--price-cents', '0', '--currency', 'USD');
    assert.notEqual(a.kv.id, b.kv.id);

    ctlOk(db, 'staff', 'add', '--role', 'therapist', '--username', 'dr_x',
      '--display-name', 'Dr X', '--password-stdin', { input: `${PASSWORD}\n` });
    for (const [wd, from, to] of [['1', '09:00', '12:00'], ['1', '13:00', '17:30'], ['7', '00:00', '23:59']]) {
      const r = ctlOk(db, 'hours', 'add', '--therapist', 'dr_x', '--weekday', wd, '--from', from, '--to', to);
      assertKvLines(r.stdout, 'hours add');
    }
    for (const [k, v] of [['timezone', 'Europe/Berlin'], ['timezone', 'UTC'],
      ['timezone', 'America/Argentina/Buenos_Aires'], ['min_notice_minutes', '60'],
      ['min_notice_minutes', '0'], ['cancel_cutoff_hours', '48'],
      ['booking_rate_per_hour', '0'], ['booking_rate_per_hour', '5'], ['retention_days', '30']]) {
      const r = ctlOk(db, 'settings', 'set', k, v);
      assertKvLines(r.stdout, 'settings set');
    }
  });

  test('demo: a clinic with services and therapists, and its logins', async () => {
    let out;
    const s = await startServer({ setup: (db) => { out = ctlOk(db, 'demo'); } });
    try {
      assertKvLines(out.stdout, 'demo');
      assert.ok(out.pairs.length > 0, 'demo printed nothing');
      const keys = out.pairs.map(([k]) => k).join(' ');
      assert.match(keys, /password/i, `no password among the logins: ${out.stdout}`);
      assert.match(keys, /totp/i, `no TOTP secret among the logins: ${out.stdout}`);
      const services = (await request(s, 'GET', '/api/v1/services')).json.services;
      const therapists = (await request(s, 'GET', '/api/v1/therapists')).json.therapists;
      assert.ok(services.length >= 2, `demo services: ${JSON.stringify(services)}`);
      assert.ok(therapists.length >= 2, `demo therapists: ${JSON.stringify(therapists)}`);
    } finally {
      await s.stop();
    }
  });

  describe('bad input: exit 2, a message on stderr, nothing written', () => {
    let db;
    before(() => {
      db = freshDb('bad');
      ctlOk(db, 'staff', 'add', '--role', 'therapist', '--username', 'thera',
        '--display-name', 'Dr Thera', '--password-stdin', { input: `${PASSWORD}\n` });
      ctlOk(db, 'staff', 'add', '--role', 'desk', '--username', 'desk1',
        '--password-stdin', { input: `${PASSWORD}\n` });
      ctlOk(db, 'service', 'add', '--name', 'Existing', '--minutes', '50',
        '--price-cents', '9000', '--currency', 'EUR');
    });

    // [name, args, input]; each runs on the same db, whose dump must not change.
    const cases = [
      ['no command', []],
      ['unknown command', ['frobnicate']],
      ['unknown subcommand', ['service', 'remove', '--name', 'x']],
      ['unknown role', ['staff', 'add', '--role', 'boss', '--username', 'n1', '--password-stdin'], `${PASSWORD}\n`],
      ['no role', ['staff', 'add', '--username', 'n1', '--password-stdin'], `${PASSWORD}\n`],
      ['no username', ['staff', 'add', '--role', 'desk', '--password-stdin'], `${PASSWORD}\n`],
      ['--password-stdin with no input', ['staff', 'add', '--role', 'desk', '--username', 'n1', '--password-stdin'], ''],
      ['empty password', ['staff', 'add', '--role', 'desk', '--username', 'n1', '--password-stdin'], '\n'],
      // The sign-in form takes at most 256; a longer one would make an account nobody can sign in to.
      ['password of 257 characters', ['staff', 'add', '--role', 'desk', '--username', 'n1', '--password-stdin'], `${'p'.repeat(257)}\n`],
      ['duplicate username', ['staff', 'add', '--role', 'desk', '--username', 'thera', '--password-stdin'], `${PASSWORD}\n`],
      ['service: minutes 0', ['service', 'add', '--name', 'S', '--minutes', '0', '--price-cents', '100', '--currency', 'EUR']],
      ['service: minutes not a number', ['service', 'add', '--name', 'S', '--minutes', 'fifty', '--price-cents', '100', '--currency', 'EUR']],
      ['service: negative price', ['service', 'add', '--name', 'S', '--minutes', '50', '--price-cents', '-100', '--currency', 'EUR']],
      ['service: price not a number', ['service', 'add', '--name', 'S', '--minutes', '50', '--price-cents', '12.50', '--currency', 'EUR']],
      ['service: currency lower case', ['service', 'add', '--name', 'S', '--minutes', '50', '--price-cents', '100', '--currency', 'eur']],
      ['service: currency 4 letters', ['service', 'add', '--name', 'S', '--minutes', '50', '--price-cents', '100', '--currency', 'EURO']],
      ['service: currency with a digit', ['service', 'add', '--name', 'S', '--minutes', '50', '--price-cents', '100', '--currency', 'E1R']],
      ['service: empty name', ['service', 'add', '--name', '', '--minutes', '50', '--price-cents', '100', '--currency', 'EUR']],
      ['service: no name', ['service', 'add', '--minutes', '50', '--price-cents', '100', '--currency', 'EUR']],
      ['hours: weekday 0', ['hours', 'add', '--therapist', 'thera', '--weekday', '0', '--from', '09:00', '--to', '17:00']],
      ['hours: weekday 8', ['hours', 'add', '--therapist', 'thera', '--weekday', '8', '--from', '09:00', '--to', '17:00']],
      ['hours: --from after --to', ['hours', 'add', '--therapist', 'thera', '--weekday', '1', '--from', '17:00', '--to', '09:00']],
      ['hours: --from equal to --to', ['hours', 'add', '--therapist', 'thera', '--weekday', '1', '--from', '09:00', '--to', '09:00']],
      ['hours: hour 25', ['hours', 'add', '--therapist', 'thera', '--weekday', '1', '--from', '25:00', '--to', '26:00']],
      ['hours: minute 60', ['hours', 'add', '--therapist', 'thera', '--weekday', '1', '--from', '09:60', '--to', '17:00']],
      ['hours: 9am', ['hours', 'add', '--therapist', 'thera', '--weekday', '1', '--from', '9am', '--to', '17:00']],
      ['hours: unknown therapist', ['hours', 'add', '--therapist', 'nobody', '--weekday', '1', '--from', '09:00', '--to', '17:00']],
      ['hours: a desk account is no therapist', ['hours', 'add', '--therapist', 'desk1', '--weekday', '1', '--from', '09:00', '--to', '17:00']],
      ['settings: unknown key', ['settings', 'set', 'no_such_setting', '1']],
      ['settings: timezone Mars/Olympus', ['settings', 'set', 'timezone', 'Mars/Olympus']],
      ['settings: timezone path traversal', ['settings', 'set', 'timezone', '../../../etc/passwd']],
      ['settings: min_notice_minutes not a number', ['settings', 'set', 'min_notice_minutes', 'soon']],
      ['settings: min_notice_minutes negative', ['settings', 'set', 'min_notice_minutes', '-5']],
      ['settings: retention_days not a number', ['settings', 'set', 'retention_days', '30d']],
      ['settings: no value', ['settings', 'set', 'timezone']],
    ];

    for (const [name, args, input] of cases) {
      test(name, () => {
        const before = dumpDb(db);
        const r = ctl(db, ...args, { input: input ?? '' });
        assert.equal(r.status, 2, `exit ${r.status}; stdout ${r.stdout}; stderr ${r.stderr}`);
        assert.ok(r.stderr.trim().length > 0, 'no message on stderr');
        assert.equal(dumpDb(db), before, 'the database changed');
      });
    }

    test('the rejected usernames are still free, and the reads show only the good rows', async () => {
      ctlOk(db, 'staff', 'add', '--role', 'therapist', '--username', 'n1',
        '--display-name', 'Dr N', '--password-stdin', { input: `${PASSWORD}\n` });
      // Serve the db the bad commands ran on.
      const { cert, key } = makeCert();
      const srv = await startServer({
        defaults: false,
        args: ['--db', db, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key],
      });
      try {
        const services = (await request(srv, 'GET', '/api/v1/services')).json.services;
        assert.deepEqual(services.map((x) => x.name), ['Existing']);
        const therapists = (await request(srv, 'GET', '/api/v1/therapists')).json.therapists;
        assert.deepEqual(therapists.map((x) => x.display_name).sort(), ['Dr N', 'Dr Thera']);
      } finally {
        await srv.stop();
      }
    });
  });

  test('no --db: exit 2 and a message', () => {
    const r = ctl(null, 'service', 'add', '--name', 'S', '--minutes', '50', '--price-cents', '1', '--currency', 'EUR');
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.trim().length > 0);
  });

  test('a database in a folder that does not exist: non-zero exit, nothing made', () => {
    const r = ctl(path.join(dir, 'nope', 'x.db'), 'settings', 'set', 'timezone', 'UTC');
    assert.notEqual(r.status, 0);
    assert.ok(r.stderr.trim().length > 0);
    assert.ok(!fs.existsSync(path.join(dir, 'nope')));
  });
});
