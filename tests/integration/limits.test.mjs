// ctest-labels: concurrency (deploy/test.sh runs it under ThreadSanitizer too)
// The limits issue 2 asks for beyond libevent's defaults: body and header
// size, an idle timeout, an absolute per-request deadline against clients
// that trickle bytes, and a cap on connections per client address. Each runs
// against a server started with small limits so the test stays quick.
// Flags are saferoomd's own (server/config.c), not part of API.md.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import tls from 'node:tls';
import { startServer, request, expectError, sleep } from '../lib/harness.mjs';

/** A TLS connection to server, resolved once the handshake is done (or failed). */
function connect(server) {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: server.port, ca: fs.readFileSync(server.cert) });
    s.closedAt = null;
    s.on('close', () => { s.closedAt = Date.now(); });
    s.on('data', () => {});
    s.once('secureConnect', () => resolve({ ok: true, sock: s }));
    s.once('error', (e) => resolve({ ok: false, error: e.message, sock: s }));
  });
}

/** Resolves with the ms until sock closes, or null after limitMs. */
function closedWithin(sock, limitMs, t0 = Date.now()) {
  return new Promise((resolve) => {
    if (sock.closedAt) { resolve(sock.closedAt - t0); return; }
    const timer = setTimeout(() => resolve(null), limitMs);
    sock.once('close', () => { clearTimeout(timer); resolve(Date.now() - t0); });
  });
}

describe('small limits', () => {
  let s;
  before(async () => {
    s = await startServer({
      args: ['--body-max', '2048', '--header-max', '2048', '--idle-timeout', '2',
        '--request-timeout', '3', '--max-connections-per-address', '4'],
    });
  });
  after(async () => { if (s) await s.stop(); });

  test('a body just under --body-max passes, just over it is 413', async () => {
    const under = await request(s, 'POST', '/api/v1/services', { body: 'x'.repeat(2000) });
    assert.notEqual(under.status, 413);
    const over = await request(s, 'POST', '/api/v1/services', { body: 'x'.repeat(3000) });
    expectError(over, 413);
  });

  test('a chunked body over --body-max is 413 too', async () => {
    const res = await new Promise((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca: fs.readFileSync(s.cert) }, () => {
        const chunk = 'y'.repeat(1000);
        let msg = 'POST /api/v1/services HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n'
          + 'Content-Type: application/json\r\n\r\n';
        for (let i = 0; i < 5; i++) msg += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
        msg += '0\r\n\r\n';
        sock.write(msg);
      });
      let data = '';
      sock.setTimeout(10000, () => sock.destroy());
      sock.on('data', (d) => { data += d; });
      sock.on('close', () => resolve(data));
      sock.on('error', (e) => (data ? resolve(data) : reject(e)));
    });
    assert.match(res, /^HTTP\/1\.[01] 413 /, res.slice(0, 200));
  });

  // Past HTTP_BODY_HARD_MAX libevent 2.1 answers 413 itself before any hook
  // of ours runs, so that answer lacks our headers (a known limit, noted in
  // include/saferoom/http.h). What must hold: it is refused and nothing
  // breaks.
  test('a body over the hard cap is refused and the server goes on', async () => {
    let res;
    try {
      res = await request(s, 'POST', '/api/v1/services', { body: Buffer.alloc(2 * 1024 * 1024, 0x61) });
    } catch (e) {
      res = null; // closing on such a body is acceptable
    }
    if (res)
      assert.equal(res.status, 413, res.body.slice(0, 200));
    assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
  });

  test('a header over --header-max is refused; a small one passes', async () => {
    assert.equal((await request(s, 'GET', '/api/v1/services', { headers: { 'X-Pad': 'p'.repeat(500) } })).status, 200);
    let status;
    try {
      status = (await request(s, 'GET', '/api/v1/services', { headers: { 'X-Pad': 'p'.repeat(4000) } })).status;
    } catch (e) {
      status = 'closed';
    }
    assert.notEqual(status, 200);
  });

  test('an idle connection is closed after --idle-timeout', async () => {
    const c = await connect(s);
    assert.ok(c.ok, c.error);
    const ms = await closedWithin(c.sock, 8000);
    c.sock.destroy();
    assert.ok(ms !== null, 'an idle connection stayed open 8 s with --idle-timeout 2');
    assert.ok(ms >= 1500, `an idle connection was closed after ${ms} ms, before --idle-timeout 2`);
  });

  test('a client trickling a header byte by byte is cut off by --request-timeout', async () => {
    const c = await connect(s);
    assert.ok(c.ok, c.error);
    const t0 = Date.now();
    c.sock.write('GET /api/v1/services HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    // One byte every 500 ms: never idle for the idle timeout, never done.
    const trickle = setInterval(() => { if (!c.sock.destroyed) c.sock.write('a'); }, 500);
    const ms = await closedWithin(c.sock, 12000, t0);
    clearInterval(trickle);
    c.sock.destroy();
    assert.ok(ms !== null, 'a trickling client was still connected after 12 s with --request-timeout 3');
    assert.ok(ms >= 2500, `a trickling client was cut off after ${ms} ms, before --request-timeout 3`);
  });

  test('at most --max-connections-per-address at once from one address; a closed one frees its place', async () => {
    const open = [];
    try {
      for (let i = 0; i < 4; i++) {
        const c = await connect(s);
        assert.ok(c.ok, `connection ${i + 1}: ${c.error}`);
        open.push(c.sock);
      }
      const fifth = await connect(s);
      let refused = !fifth.ok;
      if (fifth.ok) {
        // TLS 1.3 may finish the client's side before the server's verdict.
        const ms = await closedWithin(fifth.sock, 2000);
        refused = ms !== null;
      }
      fifth.sock.destroy();
      assert.ok(refused, 'a fifth connection was kept open with --max-connections-per-address 4');
      open.shift().destroy();
      await sleep(300);
      const again = await request(s, 'GET', '/api/v1/services');
      assert.equal(again.status, 200, 'no place came free after a connection closed');
    } finally {
      for (const sock of open) sock.destroy();
    }
  });

  test('the log names no address for the refusals', async () => {
    await sleep(100);
    assert.ok(!s.log().includes('127.0.0.1'), s.log());
  });
});

describe('shutdown', () => {
  test('SIGTERM with requests in flight still exits 0', async () => {
    const s = await startServer();
    const inflight = Array.from({ length: 20 }, () => request(s, 'GET', '/api/v1/services').catch((e) => e));
    const r = await s.stop();
    await Promise.all(inflight);
    assert.deepEqual(r, { code: 0, signal: null }, s.log());
  });
});
