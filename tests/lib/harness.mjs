// Test harness for the integration and browser tests: starts the real
// saferoomd on a free loopback port with a fresh database and a self-signed
// certificate, runs saferoomctl, and talks to the server over real TLS.
// Node built-ins only. ctest sets the environment (tests/CMakeLists.txt):
//   SAFEROOMD, SAFEROOMCTL   the binaries under test
//   SAFEROOM_TEST_TMP        where each server gets its own folder
//   SAFEROOM_ARTIFACTS       where screenshots go (see browser.mjs)
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

/** How long a server may take to print its `listening on` line. */
export const START_TIMEOUT_MS = 20000;
/** How long a stopped server may take to exit before it is killed. */
export const STOP_TIMEOUT_MS = 15000;
/** How long one request may take. */
export const REQUEST_TIMEOUT_MS = 15000;

const LISTENING_RE = /^listening on https:\/\/(\S+):(\d+)\s*$/m;

function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through ctest`);
  return v;
}

export const saferoomd = () => requireEnv('SAFEROOMD');
export const saferoomctl = () => requireEnv('SAFEROOMCTL');

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The folder all test folders live under (made if missing). Run as root,
 * serverUser() must be able to pass through it to its own folders.
 */
export function testRoot() {
  const root = process.env.SAFEROOM_TEST_TMP || os.tmpdir();
  fs.mkdirSync(root, { recursive: true });
  if (asRoot) {
    const mode = fs.statSync(root).mode & 0o7777;
    if ((mode & 0o001) === 0) fs.chmodSync(root, mode | 0o111);
  }
  return root;
}

/*
 * saferoomd refuses to run as root without --user (priv.h). Run as root (CI,
 * a fresh Debian), the tests start it with `--user SAFEROOM_TEST_USER`
 * (default `nobody`, which every Debian has) and give every test folder to
 * that user, as an admin gives the state folder to the service user. Run as
 * anyone else, the server runs as that user and no --user is passed.
 */
let userCache;

/**
 * The user saferoomd is started as when the tests run as root:
 * {name, uid, gid}; null when they do not run as root.
 */
export function serverUser() {
  if (!asRoot) return null;
  if (userCache === undefined) {
    const name = process.env.SAFEROOM_TEST_USER || 'nobody';
    const id = (flag) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
    userCache = { name, uid: id('-u'), gid: id('-g') };
  }
  return userCache;
}

/** ['--user', NAME] when the tests run as root (see serverUser()), else []. */
export function userArgs() {
  const u = serverUser();
  return u ? ['--user', u.name] : [];
}

/**
 * A fresh, empty folder under testRoot(); prefix names the test. Run as
 * root, the folder belongs to serverUser() so that a server can keep its
 * database in it.
 */
export function tempDir(prefix = 'saferoom-') {
  const dir = fs.mkdtempSync(path.join(testRoot(), prefix));
  const u = serverUser();
  if (u) fs.chownSync(dir, u.uid, u.gid);
  return dir;
}

let certCache = null;

/**
 * A self-signed EC P-256 certificate for localhost and 127.0.0.1.
 * Made once per test process in dir (or a fresh folder); later calls return
 * the same paths whatever dir they name. Returns {cert, key, dir}.
 */
export function makeCert(dir) {
  if (certCache) return certCache;
  dir = dir || tempDir('cert-');
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', key, '-out', cert,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  fs.chmodSync(key, 0o600);
  certCache = { cert, key, dir };
  return certCache;
}

/** Parses `key: value` lines; later keys win in kv, pairs keeps them all. */
export function parseKv(text) {
  const kv = {};
  const pairs = [];
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_.-]+):[ \t]?(.*?)\r?$/.exec(line);
    if (!m) continue;
    kv[m[1]] = m[2];
    pairs.push([m[1], m[2]]);
  }
  return { kv, pairs };
}

/**
 * Runs `saferoomctl --db DB ARGS...` synchronously. The last argument may
 * be an options object: {input} is written to its standard input (which is
 * otherwise closed at once), {env} is added to its environment.
 * Returns {status, signal, stdout, stderr, kv, pairs}.
 */
export function ctl(db, ...args) {
  let opts = {};
  if (args.length && typeof args[args.length - 1] === 'object') opts = args.pop();
  const argv = db === null ? args : ['--db', db, ...args];
  const r = spawnSync(saferoomctl(), argv.map(String), {
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeout ?? 120000,
    env: { ...process.env, ...(opts.env || {}) },
  });
  // EPIPE only means the program exited (on bad input) before reading its
  // standard input; its status and output are still what count.
  if (r.error && r.error.code !== 'EPIPE') throw r.error;
  if (SANITIZER_RE.test(r.stderr || '')) sanitizerReports.push(r.stderr);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ...parseKv(r.stdout) };
}

/** Like ctl() but fails the test unless the exit status is 0. */
export function ctlOk(db, ...args) {
  const r = ctl(db, ...args);
  assert.equal(r.status, 0,
    `saferoomctl ${args.filter((a) => typeof a !== 'object').join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

const live = new Set();

// A sanitizer build's server reports a race, a leak or undefined behaviour
// on its stderr, sometimes only as it exits, when no test is looking any
// more. Every such report fails the test file.
const SANITIZER_RE = /(?:Address|Thread|Leak|UndefinedBehavior)Sanitizer|runtime error:/;
const sanitizerReports = [];
process.on('exit', () => {
  for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  if (sanitizerReports.length > 0) {
    for (const r of sanitizerReports) console.error(`saferoomd sanitizer report:\n${r}`);
    process.exitCode = 1;
  }
});

/** The text of a `key = value` config file from a string or an object. */
function configText(config) {
  if (typeof config === 'string') return config;
  return Object.entries(config).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n';
}

/**
 * Starts saferoomd in a fresh folder DIR with `--db DIR/saferoom.db
 * --listen 127.0.0.1:0 --tls-cert CERT --tls-key KEY` followed by args.
 *   setup(db, dir)  run first (say `ctl(db, 'demo')`); may be async
 *   args            more flags
 *   config          string or {key: value}: written to DIR/saferoom.conf
 *                   and passed as `--config DIR/saferoom.conf`
 *   defaults        false leaves out the four flags above (args and config
 *                   must then say it all)
 *   env             added to the server's environment
 *   user            false: no `--user` even as root (see userArgs())
 *   wrap            a command that execs the server, as an argv prefix
 *                   (say ['setpriv', '--groups', '0,4', '--'])
 * Waits for the `listening on https://HOST:PORT` line (START_TIMEOUT_MS);
 * rejects with the server's stderr if it exits first. The server's stderr
 * (its log) is kept in a string and in DIR/server.log.
 * Returns {url, host, port, dir, db, cert, key, proc, argv, log(), stdout(),
 * stop(signal) -> Promise<{code, signal}>, restart() -> Promise<server>}.
 */
export async function startServer(opts = {}) {
  const {
    setup, args = [], config, defaults = true, env = {}, user = true, wrap = [],
  } = opts;
  const { cert, key } = makeCert();
  const dir = tempDir('srv-');
  const db = path.join(dir, 'saferoom.db');
  if (setup) await setup(db, dir);
  const argv = defaults
    ? ['--db', db, '--listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]
    : [];
  if (config !== undefined) {
    const file = path.join(dir, 'saferoom.conf');
    fs.writeFileSync(file, configText(config));
    argv.push('--config', file);
  }
  if (user) argv.push(...userArgs());
  argv.push(...args.map(String));

  const server = {
    dir, db, cert, key, argv, wrap: wrap.map(String),
    url: null, host: null, port: null, proc: null,
    _log: '', _stdout: '', _exit: null,
    log() { return this._log; },
    stdout() { return this._stdout; },
    stop(signal = 'SIGTERM') { return stopProcess(this, signal); },
    async restart() {
      await this.stop();
      await spawnServer(this, env);
      return this;
    },
  };
  await spawnServer(server, env);
  return server;
}

function spawnServer(server, env) {
  return new Promise((resolve, reject) => {
    const logFile = fs.createWriteStream(path.join(server.dir, 'server.log'), { flags: 'a' });
    const [cmd, ...pre] = [...server.wrap, saferoomd()];
    const proc = spawn(cmd, [...pre, ...server.argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    server.proc = proc;
    server._exit = null;
    live.add(proc);
    let started = false;
    let stdoutThisRun = '';
    const timer = setTimeout(() => {
      if (started) return;
      proc.kill('SIGKILL');
      reject(new Error(`saferoomd printed no "listening on" line in ${START_TIMEOUT_MS} ms;`
        + ` stdout: ${JSON.stringify(stdoutThisRun)}; log:\n${server._log}`));
    }, START_TIMEOUT_MS);

    proc.stderr.setEncoding('utf8');
    let logThisRun = '';
    proc.stderr.on('data', (d) => { server._log += d; logThisRun += d; logFile.write(d); });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d) => {
      server._stdout += d;
      stdoutThisRun += d;
      if (started) return;
      const m = LISTENING_RE.exec(stdoutThisRun);
      if (!m) return;
      started = true;
      clearTimeout(timer);
      server.host = m[1];
      server.port = Number(m[2]);
      server.url = `https://127.0.0.1:${server.port}`;
      resolve(server);
    });
    // 'close' comes after the exit and after stdout and stderr are drained,
    // so the log is complete by then.
    server._exited = new Promise((res) => {
      proc.on('close', (code, signal) => {
        live.delete(proc);
        logFile.end();
        if (SANITIZER_RE.test(logThisRun)) sanitizerReports.push(logThisRun);
        server._exit = { code, signal };
        res(server._exit);
        if (!started) {
          clearTimeout(timer);
          reject(new Error(
            `saferoomd exited (code ${code}, signal ${signal}) before listening; log:\n${server._log}`));
        }
      });
    });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

function stopProcess(server, signal) {
  const proc = server.proc;
  if (!proc || server._exit) return Promise.resolve(server._exit);
  proc.kill(signal);
  let timer;
  const killer = new Promise((res) => {
    timer = setTimeout(() => {
      proc.kill('SIGKILL');
      res(null);
    }, STOP_TIMEOUT_MS);
  });
  return Promise.race([server._exited, killer]).then(async (r) => {
    clearTimeout(timer);
    if (r === null) {
      const e = await server._exited;
      return { ...e, timedOut: true };
    }
    return r;
  });
}

/**
 * One HTTPS request to server ({port, cert} as startServer returns), over a
 * new connection that trusts only the test certificate.
 *   headers   request headers
 *   json      a value sent as JSON with Content-Type: application/json
 *   body      a string or Buffer sent as is
 *   raw       true: also keep the body as a Buffer in res.raw
 *   tls       extra TLS options (minVersion, maxVersion, ciphers ...)
 * Returns {status, headers, body, json, raw, tls: {protocol, cipher}};
 * json is the parsed body when the answer says it is JSON.
 */
export function request(server, method, urlPath, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
  }
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = https.request({
      host: '127.0.0.1',
      port: server.port,
      method,
      path: urlPath,
      headers,
      ca: fs.readFileSync(server.cert),
      agent: false,
      timeout: opts.timeout ?? REQUEST_TIMEOUT_MS,
      ...(opts.tls || {}),
    }, (res) => {
      answered = true;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        if (/\bjson\b/i.test(res.headers['content-type'] || '')) {
          try { json = JSON.parse(text); } catch { json = undefined; }
        }
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: text,
          json,
          raw: opts.raw ? buf : undefined,
          tls: { protocol: res.socket?.getProtocol?.(), cipher: res.socket?.getCipher?.() },
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer in time`)));
    // A server that answers early (413) may close while the body is still
    // being sent: once an answer is in, a write error does not matter.
    req.on('error', (e) => { if (!answered) reject(e); });
    if (body !== undefined) req.end(body); else req.end();
  });
}

const SNAKE_RE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * Asserts res is an API error: the given HTTP status, a JSON body
 * {"error": {"code": "snake_case", "message": "..."}}, and code if given.
 */
export function expectError(res, status, code) {
  const what = `${res.status} ${res.headers['content-type']} ${res.body.slice(0, 300)}`;
  assert.equal(res.status, status, `expected status ${status}, got ${what}`);
  assert.match(res.headers['content-type'] || '', /^application\/json\b/i,
    `error answer is not JSON: ${what}`);
  assert.ok(res.json && typeof res.json === 'object' && !Array.isArray(res.json),
    `error body is not a JSON object: ${what}`);
  const e = res.json.error;
  assert.ok(e && typeof e === 'object', `error body has no "error" object: ${what}`);
  assert.equal(typeof e.code, 'string', `error.code is not a string: ${what}`);
  assert.match(e.code, SNAKE_RE, `error.code is not snake_case: ${what}`);
  assert.equal(typeof e.message, 'string', `error.message is not a string: ${what}`);
  assert.ok(e.message.length > 0, `error.message is empty: ${what}`);
  if (code !== undefined) assert.equal(e.code, code, `expected error code ${code}: ${what}`);
  return e;
}

/** sqlite3's .dump of db: equal dumps mean nothing was written. */
export function dumpDb(db) {
  return execFileSync('sqlite3', [db, '.dump'], { encoding: 'utf8' });
}

/** Resolves after ms milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/* ---- staff: TOTP codes, demo logins, sessions --------------------------------- */

/** The staff session cookie's name (auth.h AUTH_COOKIE). */
export const STAFF_COOKIE = '__Host-saferoom-staff';
/** RFC 6238 time step in seconds. */
export const TOTP_STEP = 30;

const B32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (upper or lower case, padding and spaces ignored) to bytes. */
export function base32Decode(text) {
  const clean = String(text).replace(/[\s=]/g, '').toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = B32_ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`base32Decode: '${ch}' is not a base32 symbol`);
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP with HMAC-SHA-1 of key (Buffer) at counter: digits digits as a string. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const md = crypto.createHmac('sha1', key).update(msg).digest();
  const off = md[md.length - 1] & 0x0f;
  const bin = ((md[off] & 0x7f) << 24) | (md[off + 1] << 16) | (md[off + 2] << 8) | md[off + 3];
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The TOTP step of a time in seconds. */
export const totpStep = (timeSeconds = Date.now() / 1000) => Math.floor(timeSeconds / TOTP_STEP);

/** The code of one TOTP step for a base32 secret. */
export function totpAt(base32secret, step, digits = 6) {
  return hotp(base32Decode(base32secret), step, digits);
}

/**
 * RFC 6238 TOTP (SHA-1, 30 s steps): the code of base32secret at timeSeconds
 * (default now), 6 digits unless told.
 */
export function totp(base32secret, timeSeconds = Date.now() / 1000, digits = 6) {
  return totpAt(base32secret, totpStep(timeSeconds), digits);
}

/*
 * The server takes a code once per account and never one of a step at or
 * before the last it took (replay protection), and allows one step of drift.
 * So each login of an account needs a later step than the one before: the
 * steps used are remembered per database and account here, and
 * reserveTotpStep() hands out the next one that the server will take,
 * waiting for the clock when all of now - 1 .. now + 1 are spent.
 */
const totpUsed = new Map();
const totpKey = (server, username) => `${server.db ?? server.port}\0${username}`;
/** A step older than now is only offered this many seconds into a step. */
const TOTP_PAST_MARGIN_S = 22;

/** Note that step was used (or must be treated as used) for username on server. */
export function markTotpUsed(server, username, step) {
  const k = totpKey(server, username);
  totpUsed.set(k, Math.max(totpUsed.get(k) ?? -Infinity, step));
}

/** The last step handed out or marked for username on server, or undefined. */
export function lastTotpStep(server, username) {
  return totpUsed.get(totpKey(server, username));
}

/**
 * The next TOTP step the server will accept for username: the earliest of
 * now - 1 (while safely inside the current step), now, now + 1 after the
 * last one used; waits for the next step when none is left. Marks it used.
 */
export async function reserveTotpStep(server, username) {
  for (;;) {
    const nowS = Date.now() / 1000;
    const cur = totpStep(nowS);
    const into = nowS - cur * TOTP_STEP;
    const last = lastTotpStep(server, username) ?? -Infinity;
    const step = Math.max(into <= TOTP_PAST_MARGIN_S ? cur - 1 : cur, last + 1);
    if (step <= cur + 1) {
      markTotpUsed(server, username, step);
      return step;
    }
    await sleep((cur + 1) * TOTP_STEP * 1000 - Date.now() + 100);
  }
}

/** Splits `key: value` output into blocks separated by blank lines; each block's kv. */
export function parseBlocks(text) {
  return text.split(/\r?\n[ \t]*\r?\n/).map((b) => parseKv(b).kv).filter((kv) => Object.keys(kv).length > 0);
}

/**
 * Runs `saferoomctl --db DB demo` and parses the staff logins it prints:
 * {list: [{id, username, role, totp_secret, totp_uri, password}], by: {username: account}, result}.
 */
export function ctlDemo(db) {
  const result = ctlOk(db, 'demo');
  const list = parseBlocks(result.stdout).filter((b) => b.username !== undefined);
  for (const a of list) {
    assert.ok(a.role && a.totp_secret && a.password, `demo block without role, totp_secret or password: ${JSON.stringify(a)}`);
  }
  return { list, by: Object.fromEntries(list.map((a) => [a.username, a])), result };
}

/**
 * The demo clinic with its booking limits off (min_notice_minutes and
 * booking_rate_per_hour 0), as tests that book many sessions at once need,
 * then settings ({key: value}) on top. Returns what ctlDemo() does.
 */
export function ctlDemoUnlimited(db, settings = {}) {
  const demo = ctlDemo(db);
  const all = { min_notice_minutes: 0, booking_rate_per_hour: 0, ...settings };
  for (const [k, v] of Object.entries(all)) ctlOk(db, 'settings', 'set', k, String(v));
  return demo;
}

/**
 * `saferoomctl staff add` with the password on standard input; returns the
 * account {id, username, role, totp_secret, totp_uri, password}.
 */
export function ctlStaffAdd(db, { role, username, password, displayName }) {
  const args = ['staff', 'add', '--role', role, '--username', username];
  if (displayName !== undefined) args.push('--display-name', displayName);
  args.push('--password-stdin', { input: `${password}\n` });
  const r = ctlOk(db, ...args);
  assert.ok(r.kv.totp_secret, `staff add printed no totp_secret: ${r.stdout}`);
  return { ...r.kv, password };
}

/** Parses one Set-Cookie value: {name, value, attrs: {lowercased name: value or true}}. */
export function parseSetCookie(header) {
  const [first, ...rest] = header.split(';');
  const eq = first.indexOf('=');
  const attrs = {};
  for (const a of rest) {
    const t = a.trim();
    if (!t) continue;
    const i = t.indexOf('=');
    if (i < 0) attrs[t.toLowerCase()] = true;
    else attrs[t.slice(0, i).trim().toLowerCase()] = t.slice(i + 1).trim();
  }
  return { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim(), attrs };
}

/** The Set-Cookie headers of an answer as an array (maybe empty). */
export function setCookies(res) {
  const h = res.headers['set-cookie'];
  if (h === undefined) return [];
  return Array.isArray(h) ? h : [h];
}

/**
 * One staff member talking to server: login() posts
 * {username, password, totp} to /api/v1/staff/login with a fresh TOTP step
 * (reserveTotpStep), keeps the session cookie from Set-Cookie and the csrf
 * from the answer; request() then sends `Cookie: __Host-saferoom-staff=...`
 * and, on anything but GET and HEAD, `X-CSRF-Token`.
 * account is {username, password, totp_secret} (as ctlDemo or ctlStaffAdd give).
 */
export class StaffClient {
  constructor(server, account) {
    this.server = server;
    this.account = account;
    this.cookie = null;
    this.csrf = null;
    this.role = null;
    this.cookies = [];	// every session cookie this client was given
    this.csrfs = [];	// every csrf token this client was given
  }

  /**
   * POST /api/v1/staff/login. opts: password, username, totp (the code as
   * sent), step (the TOTP step to use; default a fresh one).
   * Returns the answer with .step and .code added; on 200 the session is kept.
   */
  async login(opts = {}) {
    const username = opts.username ?? this.account.username;
    let step = opts.step;
    let code = opts.totp;
    if (code === undefined) {
      if (step === undefined) step = await reserveTotpStep(this.server, username);
      else markTotpUsed(this.server, username, step);
      code = totpAt(this.account.totp_secret, step);
    }
    const res = await request(this.server, 'POST', '/api/v1/staff/login', {
      json: { username, password: opts.password ?? this.account.password, totp: code },
    });
    res.step = step;
    res.code = code;
    if (res.status === 200) {
      const c = setCookies(res).map(parseSetCookie).find((x) => x.name === STAFF_COOKIE);
      assert.ok(c && c.value, `login answered 200 without a ${STAFF_COOKIE} cookie: ${JSON.stringify(res.headers)}`);
      this.cookie = c.value;
      this.csrf = res.json?.csrf ?? null;
      this.role = res.json?.role ?? null;
      this.cookies.push(this.cookie);
      if (this.csrf) this.csrfs.push(this.csrf);
    }
    return res;
  }

  /** login() that fails the test unless it answers 200; returns the answer. */
  async loginOk(opts = {}) {
    const res = await this.login(opts);
    assert.equal(res.status, 200, `login of ${this.account.username}: ${res.status} ${res.body.slice(0, 300)}`);
    return res;
  }

  /**
   * A request with this session. opts as request() plus: cookie (a value
   * instead of the session's; null: none), csrf (a value instead of the
   * session's; null: none).
   */
  request(method, urlPath, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    const cookie = 'cookie' in opts ? opts.cookie : this.cookie;
    if (cookie !== null && cookie !== undefined) headers.Cookie = `${STAFF_COOKIE}=${cookie}`;
    const write = method !== 'GET' && method !== 'HEAD';
    const csrf = 'csrf' in opts ? opts.csrf : (write ? this.csrf : null);
    if (csrf !== null && csrf !== undefined) headers['X-CSRF-Token'] = csrf;
    const rest = { ...opts };
    delete rest.cookie;
    delete rest.csrf;
    return request(this.server, method, urlPath, { ...rest, headers });
  }

  get(urlPath, opts = {}) { return this.request('GET', urlPath, opts); }

  /** POST with body (an object as JSON; a string as is, typed as JSON). */
  post(urlPath, body, opts = {}) {
    if (body === undefined) return this.request('POST', urlPath, opts);
    if (typeof body === 'string') {
      return this.request('POST', urlPath, {
        ...opts, body, headers: { 'Content-Type': 'application/json', ...(opts.headers || {}) },
      });
    }
    return this.request('POST', urlPath, { ...opts, json: body });
  }

  /** POST /api/v1/staff/logout; forgets the session on a 204. */
  async logout(opts = {}) {
    const res = await this.post('/api/v1/staff/logout', undefined, opts);
    if (res.status === 204) { this.cookie = null; this.csrf = null; }
    return res;
  }
}
