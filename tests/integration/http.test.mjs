// ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too)
// saferoomd over real TLS: the security headers on every answer, the two
// public reads exactly as API.md says, errors in the API.md shape, limits,
// the TLS versions and ciphers, restart, and a log that keeps no secrets.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import {
  makeCert, ctlOk, startServer, request, expectError, sleep,
} from '../lib/harness.mjs';

const SERVICE_KEYS = ['currency', 'id', 'minutes', 'name', 'price_cents'];
const THERAPIST_KEYS = ['display_name', 'id'];
const PRIVATE_KEY_RE = /pass|hash|salt|totp|secret|username|role/i;

/** A CSP header as a Map from directive name to its list of sources. */
function parseCsp(csp) {
  const dirs = new Map();
  for (const part of csp.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) dirs.set(name.toLowerCase(), sources);
  }
  return dirs;
}

/** The sources of a fetch directive, falling back to default-src. */
function cspSources(csp, directive) {
  const dirs = parseCsp(csp);
  return dirs.get(directive) ?? dirs.get('default-src');
}

/** Asserts the headers every answer must carry (DESIGN.md invariant 4). */
function assertSecurityHeaders(res, what) {
  const h = res.headers;
  const ctx = `${what}: ${JSON.stringify(h)}`;
  assert.match(h['strict-transport-security'] ?? '', /max-age=[1-9][0-9]*/i, `HSTS ${ctx}`);
  const csp = h['content-security-policy'];
  assert.ok(csp, `no Content-Security-Policy ${ctx}`);
  const script = cspSources(csp, 'script-src');
  assert.ok(script, `CSP has neither script-src nor default-src: ${csp}`);
  for (const src of script) {
    assert.match(src, /^('self'|'none'|'nonce-[^']+'|'sha(256|384|512)-[^']+')$/,
      `script-src allows ${src}: ${csp}`);
  }
  assert.ok(!/unsafe-inline|unsafe-eval/.test(script.join(' ')), `script-src: ${csp}`);
  const def = cspSources(csp, 'default-src');
  assert.ok(def, `CSP has no default-src: ${csp}`);
  assert.ok(!def.some((s) => s === '*' || /^(https?:|data:)/.test(s) || /\./.test(s)),
    `default-src allows other origins: ${csp}`);
  const fa = parseCsp(csp).get('frame-ancestors');
  if (fa) {
    assert.ok(fa.every((s) => s === "'none'" || s === "'self'"), `frame-ancestors: ${csp}`);
  }
  assert.equal((h['referrer-policy'] ?? '').toLowerCase(), 'no-referrer', `Referrer-Policy ${ctx}`);
  assert.equal((h['x-content-type-options'] ?? '').toLowerCase(), 'nosniff', `X-Content-Type-Options ${ctx}`);
  assert.equal((h['x-frame-options'] ?? '').toUpperCase(), 'DENY', `X-Frame-Options ${ctx}`);
}

function assertNoStore(res, what) {
  assert.match(res.headers['cache-control'] ?? '', /\bno-store\b/i,
    `${what}: Cache-Control ${res.headers['cache-control']}`);
}

function assertJson(res) {
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/i, res.headers['content-type']);
  assert.ok(res.json !== undefined, `not JSON: ${res.body.slice(0, 200)}`);
}

/** Opens a TLS connection with opts; resolves {ok, protocol, cipher, error}. */
function tlsTry(port, opts) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
    const done = (r) => { s.destroy(); resolve(r); };
    s.setTimeout(10000, () => done({ ok: false, error: 'timeout' }));
    s.on('secureConnect', () => done({ ok: true, protocol: s.getProtocol(), cipher: s.getCipher() }));
    s.on('error', (e) => done({ ok: false, error: e.message }));
    s.on('close', () => done({ ok: false, error: 'closed' }));
  });
}

describe('a server with the demo clinic', () => {
  let s;
  before(async () => { s = await startServer({ setup: (db) => ctlOk(db, 'demo') }); });
  after(async () => { if (s) await s.stop(); });

  test('every answer carries the security headers: /, API, 404s, 405', async () => {
    const cases = [
      ['GET', '/', 200],
      ['GET', '/api/v1/services', 200],
      ['GET', '/api/v1/therapists', 200],
      ['GET', '/api/v1/no-such-route', 404],
      ['GET', '/no-such-page', 404],
      ['POST', '/api/v1/services', 405],
    ];
    for (const [method, p, status] of cases) {
      const res = await request(s, method, p, method === 'POST' ? { json: {} } : {});
      assert.equal(res.status, status, `${method} ${p}: ${res.body.slice(0, 200)}`);
      assertSecurityHeaders(res, `${method} ${p}`);
    }
  });

  test('/api/ answers carry Cache-Control: no-store', async () => {
    for (const [method, p] of [['GET', '/api/v1/services'], ['GET', '/api/v1/therapists'],
      ['GET', '/api/v1/no-such-route'], ['POST', '/api/v1/services']]) {
      assertNoStore(await request(s, method, p), `${method} ${p}`);
    }
  });

  test('GET /api/v1/services: {"services": [{id, name, minutes, price_cents, currency}]}', async () => {
    const res = await request(s, 'GET', '/api/v1/services');
    assert.equal(res.status, 200);
    assertJson(res);
    assert.deepEqual(Object.keys(res.json), ['services']);
    assert.ok(Array.isArray(res.json.services) && res.json.services.length > 0);
    const ids = new Set();
    for (const sv of res.json.services) {
      for (const k of SERVICE_KEYS) assert.ok(k in sv, `service without ${k}: ${JSON.stringify(sv)}`);
      assert.ok(Number.isInteger(sv.id) && sv.id > 0, `id ${sv.id}`);
      assert.ok(typeof sv.name === 'string' && sv.name.length > 0);
      assert.ok(Number.isInteger(sv.minutes) && sv.minutes > 0, `minutes ${sv.minutes}`);
      assert.ok(Number.isInteger(sv.price_cents) && sv.price_cents >= 0, `price_cents ${sv.price_cents}`);
      assert.match(sv.currency, /^[A-Z]{3}$/);
      ids.add(sv.id);
    }
    assert.equal(ids.size, res.json.services.length, 'service ids repeat');
  });

  test('GET /api/v1/therapists: {"therapists": [{id, display_name}]}, nothing private', async () => {
    const res = await request(s, 'GET', '/api/v1/therapists');
    assert.equal(res.status, 200);
    assertJson(res);
    assert.deepEqual(Object.keys(res.json), ['therapists']);
    assert.ok(Array.isArray(res.json.therapists) && res.json.therapists.length > 0);
    for (const t of res.json.therapists) {
      for (const k of THERAPIST_KEYS) assert.ok(k in t, `therapist without ${k}: ${JSON.stringify(t)}`);
      assert.ok(Number.isInteger(t.id) && t.id > 0);
      assert.ok(typeof t.display_name === 'string' && t.display_name.length > 0);
      for (const k of Object.keys(t)) assert.doesNotMatch(k, PRIVATE_KEY_RE, `therapist carries ${k}`);
    }
  });

  test('service add and staff add while the server runs show up in the reads, exactly', async () => {
    const add = ctlOk(s.db, 'service', 'add', '--name', 'Trauma work <b>&amp;</b> "quotes"',
      '--minutes', '75', '--price-cents', '12345', '--currency', 'CHF');
    const id = Number(add.kv.id);
    const res = await request(s, 'GET', '/api/v1/services');
    const sv = res.json.services.find((x) => x.id === id);
    assert.ok(sv, `service ${id} not listed: ${res.body}`);
    assert.deepEqual(Object.fromEntries(SERVICE_KEYS.map((k) => [k, sv[k]])), {
      currency: 'CHF', id, minutes: 75, name: 'Trauma work <b>&amp;</b> "quotes"', price_cents: 12345,
    });

    ctlOk(s.db, 'staff', 'add', '--role', 'therapist', '--username', 'new_t',
      '--display-name', 'Dr Ünïcödé', '--password-stdin', { input: 'a long enough password\n' });
    ctlOk(s.db, 'staff', 'add', '--role', 'desk', '--username', 'new_desk',
      '--display-name', 'Front Desk Person', '--password-stdin', { input: 'a long enough password\n' });
    const th = (await request(s, 'GET', '/api/v1/therapists')).json.therapists;
    assert.ok(th.some((t) => t.display_name === 'Dr Ünïcödé'), JSON.stringify(th));
    assert.ok(!th.some((t) => t.display_name === 'Front Desk Person'), `a desk account is listed: ${JSON.stringify(th)}`);
  });

  test('an unknown /api/v1 route: 404 in the API error shape', async () => {
    for (const p of ['/api/v1/no-such-route', '/api/v1/', '/api/v1/services/extra', '/api/v2/services']) {
      expectError(await request(s, 'GET', p), 404);
    }
  });

  test('POST /api/v1/services: 405 in the API error shape, with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await request(s, method, '/api/v1/services', { json: { name: 'x' } });
      expectError(res, 405);
      assert.match(res.headers.allow ?? '', /\bGET\b/, `${method}: Allow ${res.headers.allow}`);
    }
  });

  test('methods outside the API (TRACE, CONNECT, PATCH) get an answer with the security headers', async () => {
    for (const [method, p] of [['TRACE', '/'], ['PATCH', '/api/v1/services'], ['CONNECT', '/']]) {
      const head = await new Promise((resolve) => {
        const c = tls.connect({ host: '127.0.0.1', port: s.port, ca: fs.readFileSync(s.cert) },
          () => c.write(`${method} ${p} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
        let d = '';
        c.setTimeout(5000, () => c.destroy());
        c.on('data', (x) => { d += x; });
        c.on('close', () => resolve(d.split('\r\n\r\n')[0]));
        c.on('error', () => resolve(d));
      });
      assert.match(head, /^HTTP\/1\.1 (405|501) /, `${method}: ${head.split('\r\n')[0]}`);
      assert.match(head, /\r\ncontent-security-policy:/i, `${method} ${p} answer without CSP:\n${head}`);
      assert.match(head, /\r\nx-content-type-options: *nosniff/i, `${method} ${p} answer without nosniff:\n${head}`);
    }
  });

  test('an unknown page: 404 as an HTML page', async () => {
    const res = await request(s, 'GET', '/no-such-page');
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'] ?? '', /^text\/html\b/i);
    assert.match(res.body, /<html/i);
  });

  test('a path with traversal or an encoded NUL does not serve files', async () => {
    for (const p of ['/../../../../etc/passwd', '/static/..%2f..%2f..%2fetc%2fpasswd', '/%00', '/static/%2e%2e/CMakeLists.txt']) {
      const res = await request(s, 'GET', p);
      assert.ok(res.status >= 400 && res.status < 500, `${p}: ${res.status}`);
      assert.ok(!/root:x:0:0/.test(res.body) && !/cmake_minimum_required/.test(res.body), `${p} leaked a file`);
    }
  });

  test('GET / lists the services and works as a plain page', async () => {
    const res = await request(s, 'GET', '/');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^text\/html\b/i);
    const services = (await request(s, 'GET', '/api/v1/services')).json.services;
    const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (const sv of services) {
      // Names may be escaped either way for quotes; <, > and & must be.
      const want = esc(sv.name).replace(/"/g, '');
      assert.ok(res.body.replace(/&quot;|&#34;|&#x22;|"/g, '').includes(want),
        `/ does not show ${JSON.stringify(sv.name)}`);
    }
    assert.ok(!res.body.includes('<b>&amp;</b>'), 'a service name reached the page unescaped');
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>\s*\S/i.test(res.body), 'inline script on /');
    for (const m of res.body.matchAll(/\b(?:src|href|action)\s*=\s*["']([^"']*)["']/gi)) {
      assert.doesNotMatch(m[1], /^(https?:)?\/\//i, `/ refers to another origin: ${m[1]}`);
    }
  });

  test('a 100 KiB body: 413', async () => {
    const res = await request(s, 'POST', '/api/v1/services', {
      body: JSON.stringify({ pad: 'x'.repeat(100 * 1024) }),
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(res.status, 413, res.body.slice(0, 200));
    if (res.headers['content-type']?.includes('json')) expectError(res, 413);
    // The server still answers afterwards.
    assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
  });

  test('a 100 KiB header: refused, and the server still answers', async () => {
    let status;
    try {
      const res = await request(s, 'GET', '/api/v1/services', { headers: { 'X-Big': 'y'.repeat(100 * 1024) } });
      status = res.status;
    } catch (e) {
      status = `closed (${e.code || e.message})`;
    }
    assert.notEqual(status, 200, 'a 100 KiB header was accepted');
    assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
  });

  test('TLS 1.1 is refused (and this client can speak it)', async () => {
    const opts = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' };
    // Control: the same client options reach a TLS 1.1 server of our own.
    const { cert, key } = makeCert();
    const ctrl = tls.createServer({
      cert: fs.readFileSync(cert), key: fs.readFileSync(key), ...opts,
    }, (c) => c.end());
    await new Promise((r) => ctrl.listen(0, '127.0.0.1', r));
    try {
      const c = await tlsTry(ctrl.address().port, opts);
      assert.ok(c.ok && c.protocol === 'TLSv1.1', `control failed: ${JSON.stringify(c)}`);
    } finally {
      ctrl.close();
    }
    const r = await tlsTry(s.port, opts);
    assert.equal(r.ok, false, `TLS 1.1 was accepted: ${JSON.stringify(r)}`);
    for (const v of ['TLSv1', 'TLSv1.1']) {
      const r2 = await tlsTry(s.port, { minVersion: v, maxVersion: v, ciphers: 'DEFAULT:@SECLEVEL=0' });
      assert.equal(r2.ok, false, `${v} was accepted`);
    }
  });

  test('TLS 1.2 and TLS 1.3 both work, with forward-secret AEAD ciphers', async () => {
    for (const v of ['TLSv1.2', 'TLSv1.3']) {
      const res = await request(s, 'GET', '/api/v1/services', { tls: { minVersion: v, maxVersion: v } });
      assert.equal(res.status, 200);
      assert.equal(res.tls.protocol, v);
      const name = res.tls.cipher.standardName || res.tls.cipher.name;
      if (v === 'TLSv1.2') assert.match(name, /^(TLS_)?ECDHE.*(GCM|CHACHA20)/, name);
      else assert.match(name, /GCM|CHACHA20/, name);
    }
  });

  test('TLS 1.2 with only CBC or non-forward-secret ciphers is refused', async () => {
    for (const ciphers of ['ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256:AES256-SHA']) {
      const r = await tlsTry(s.port, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${ciphers}:@SECLEVEL=0` });
      assert.equal(r.ok, false, `${ciphers} accepted: ${JSON.stringify(r)}`);
    }
  });

  test('plain HTTP to the TLS port gets no HTTP 200, and the server goes on', async () => {
    const got = await new Promise((resolve) => {
      const c = net.connect(s.port, '127.0.0.1');
      let data = '';
      c.setTimeout(5000, () => { c.destroy(); resolve(data); });
      c.on('connect', () => c.write('GET /api/v1/services HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      c.on('data', (d) => { data += d.toString('latin1'); });
      c.on('error', () => resolve(data));
      c.on('close', () => resolve(data));
    });
    assert.doesNotMatch(got, /^HTTP\/1\.[01] 200/);
    assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
  });

  test('many requests at once all get answers', async () => {
    const all = await Promise.all(Array.from({ length: 30 }, () => request(s, 'GET', '/api/v1/services')));
    assert.ok(all.every((r) => r.status === 200), all.map((r) => r.status).join(' '));
  });

  test('the log holds no address, cookie, token, query or body', async () => {
    const secret = crypto.randomBytes(8).toString('hex');
    const headers = {
      Cookie: `__Host-session=cookie${secret}`,
      Authorization: `Bearer token${secret}`,
      'X-CSRF-Token': `csrf${secret}`,
      'User-Agent': `agent${secret}`,
      'X-Forwarded-For': '203.0.113.7',
    };
    await request(s, 'POST', '/api/v1/services', { headers, json: { code: `body${secret}` } });
    await request(s, 'GET', `/api/v1/services?code=query${secret}`, { headers });
    await request(s, 'GET', `/api/v1/no-such-route?voucher=query${secret}`, { headers });
    await request(s, 'POST', '/api/v1/bookings', { headers, json: { token: `body${secret}` } });
    await request(s, 'GET', '/', { headers });
    await sleep(200);
    const log = s.log();
    assert.ok(log.length > 0, 'the server logged nothing at all');
    assert.ok(!log.includes('127.0.0.1'), `the log holds the client address:\n${log}`);
    assert.ok(!log.includes('203.0.113.7'), 'the log holds X-Forwarded-For');
    assert.ok(!log.includes(secret), `the log holds a cookie, token, query or body:\n${log}`);
  });
});

describe('a server with an empty database', () => {
  test('the reads answer empty lists', async () => {
    const s = await startServer();
    try {
      const sv = await request(s, 'GET', '/api/v1/services');
      assert.equal(sv.status, 200);
      assert.deepEqual(sv.json, { services: [] });
      const th = await request(s, 'GET', '/api/v1/therapists');
      assert.deepEqual(th.json, { therapists: [] });
      assert.equal((await request(s, 'GET', '/')).status, 200);
    } finally {
      await s.stop();
    }
  });

  test('a restart keeps the data and the keys', async () => {
    let id;
    const s = await startServer({
      setup: (db) => { id = Number(ctlOk(db, 'service', 'add', '--name', 'Kept', '--minutes', '45', '--price-cents', '5000', '--currency', 'EUR').kv.id); },
    });
    try {
      const id2 = Number(ctlOk(s.db, 'service', 'add', '--name', 'Added live', '--minutes', '30',
        '--price-cents', '3000', '--currency', 'EUR').kv.id);
      const before = (await request(s, 'GET', '/api/v1/services')).json;
      const keysFile = `${s.db}.keys`;
      const keys = fs.existsSync(keysFile) ? fs.readFileSync(keysFile) : null;
      assert.deepEqual(await s.stop(), { code: 0, signal: null });
      await s.restart();
      const after = (await request(s, 'GET', '/api/v1/services')).json;
      assert.deepEqual(after, before);
      assert.deepEqual(after.services.map((x) => x.id).sort((a, b) => a - b), [id, id2].sort((a, b) => a - b));
      if (keys) assert.ok(keys.equals(fs.readFileSync(keysFile)), 'the key file changed on restart');
    } finally {
      await s.stop();
    }
  });

  test('starts again on its database after being killed', async () => {
    const s = await startServer();
    try {
      const id = Number(ctlOk(s.db, 'service', 'add', '--name', 'Durable', '--minutes', '45',
        '--price-cents', '5000', '--currency', 'EUR').kv.id);
      assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
      await s.stop('SIGKILL');
      await s.restart();
      const list = (await request(s, 'GET', '/api/v1/services')).json.services;
      assert.ok(list.some((x) => x.id === id));
    } finally {
      await s.stop();
    }
  });
});
