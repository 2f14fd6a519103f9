// TLS details of issue 2 beyond the protocol versions (see http.test.mjs):
// stateless session tickets work, so a returning client resumes without a
// full handshake, for TLS 1.2 and 1.3; the server prefers forward-secret
// AEAD suites.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import tls from 'node:tls';
import { startServer } from '../lib/harness.mjs';

/** Connect, wait for a session ticket, and resolve {reused, session, cipher}. */
function handshake(s, opts = {}) {
  return new Promise((resolve, reject) => {
    let session = null;
    const c = tls.connect({
      host: '127.0.0.1', port: s.port, servername: 'localhost',
      ca: fs.readFileSync(s.cert), ...opts,
    }, () => {
      const reused = c.isSessionReused();
      const cipher = c.getCipher();
      // TLS 1.3 tickets arrive after the handshake: give them a moment.
      setTimeout(() => { c.end(); resolve({ reused, session: session ?? c.getSession(), cipher, proto: c.getProtocol() }); }, 150);
    });
    c.on('session', (sess) => { session = sess; });
    c.on('data', () => {});
    c.on('error', reject);
  });
}

describe('TLS sessions', () => {
  let s;
  before(async () => { s = await startServer(); });
  after(async () => { if (s) await s.stop(); });

  for (const v of ['TLSv1.2', 'TLSv1.3']) {
    test(`${v}: a ticket resumes the session`, async () => {
      const first = await handshake(s, { minVersion: v, maxVersion: v });
      assert.equal(first.proto, v);
      assert.equal(first.reused, false);
      assert.ok(first.session, 'no session ticket');
      const again = await handshake(s, { minVersion: v, maxVersion: v, session: first.session });
      assert.equal(again.reused, true, 'the ticket was not accepted');
    });
  }

  test('TLS 1.2 negotiates a forward-secret AEAD suite', async () => {
    const h = await handshake(s, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    assert.match(h.cipher.standardName, /^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
  });
});
