// Issue 6, TLS: testssl.sh (Debian package, installed as `testssl`) against
// a running saferoomd: nothing below TLS 1.2, no weak cipher category, none
// of its vulnerability checks flagged, HSTS with a max-age, and the flags of
// the cookie the scanned URL sets.
//
// It runs offline: no DNS (--nodns none), no CRL or OCSP fetches (those need
// --phone-out, not given), Debian's openssl. The checks are the protocols
// (-p), cipher categories (-s), forward secrecy (-f), server defaults and
// certificate (-S), HTTP headers (-h) and all vulnerabilities (-U).
//
// The URL scanned is /staff: without a session it answers 303 to the login
// page and clears the staff cookie with Set-Cookie, which is the one GET
// that sets a cookie, so testssl's cookie check has something to look at.
// testssl 3.0 checks Secure and HttpOnly but not SameSite; SameSite is
// checked here on the same answer and on a real login's session cookie.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, request, tempDir, ctlDemo, StaffClient, STAFF_COOKIE, setCookies, parseSetCookie,
} from '../lib/harness.mjs';

const TESTSSL_TIMEOUT_MS = 240000;
const SCAN_PATH = '/staff';

/*
 * Findings above INFO that say nothing against saferoomd (the test's own
 * certificate, the URL chosen, a race in testssl itself), each with why and
 * the wording let through. Anything else above INFO fails the test.
 */
const EXPECTED = {
  // The test makes a self-signed certificate with no CRL distribution point
  // or OCSP URI; a CA-issued one carries them. saferoomd serves whatever
  // certificate the operator gives it (--tls-cert) and cannot add them.
  cert_revocation: /Neither CRL nor OCSP URI provided/,
  // /staff is scanned on purpose for its cookie (see the top); testssl
  // remarks on any status but 200.
  HTTP_status_code: /303 See Other/,
  // Not a finding but a race in testssl 3.0's resumption check: it runs
  // `openssl s_client -sess_out F </dev/null`, and with TLS 1.3 the server's
  // session ticket comes after the handshake, so s_client often closes
  // before it arrives and writes no session (5 of 20 plain s_client runs
  // here); the second connection then has no F and testssl says "connect
  // problem". Only that wording is let through.
  sessionresumption_ticket: /^check failed because of connect problem$/,
  sessionresumption_ID: /^check failed because of connect problem$/,
};

/** Runs testssl with args; resolves with {code, out, ms}. */
function testssl(args) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn('testssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), TESTSSL_TIMEOUT_MS);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`testssl did not start (${e.message}); install it: bash deploy/deps.sh --test`));
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, ms: Date.now() - t0 });
    });
  });
}

describe('testssl.sh against saferoomd', () => {
  let s;
  let accounts;
  let run;
  let findings;
  let byId;
  let work;

  before(async () => {
    work = tempDir('testssl-');
    // Our own certificate, valid 90 days: the harness's lasts two days,
    // which testssl rightly flags as about to expire.
    const cert = path.join(work, 'cert.pem');
    const key = path.join(work, 'key.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-nodes', '-days', '90', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', key, '-out', cert,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    s = await startServer({
      setup: (db) => { accounts = ctlDemo(db).by; },
      args: ['--tls-cert', cert, '--tls-key', key],	// later flags win
    });
    s.cert = cert;	// request() trusts this one now
    const json = path.join(work, 'testssl.json');
    run = await testssl([
      '--quiet', '--color', '0', '--warnings', 'batch', '--nodns', 'none',
      '--openssl', '/usr/bin/openssl', '--openssl-timeout', '10', '--connect-timeout', '10',
      // The self-signed test certificate is its own CA: trusting it keeps the
      // chain-of-trust check meaningful instead of ignoring its finding.
      '--add-ca', cert,
      '-p', '-s', '-f', '-S', '-h', '-U',
      '--jsonfile', json,
      `https://127.0.0.1:${s.port}${SCAN_PATH}`,
    ]);
    const dir = process.env.SAFEROOM_ARTIFACTS;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'testssl.txt'), run.out);
      if (fs.existsSync(json)) fs.copyFileSync(json, path.join(dir, 'testssl.json'));
    }
    assert.ok(fs.existsSync(json), `testssl wrote no JSON (exit ${run.code}, signal ${run.signal}):\n${run.out}`);
    findings = JSON.parse(fs.readFileSync(json, 'utf8'));
    assert.ok(Array.isArray(findings) && findings.length > 0, 'testssl JSON holds no findings');
    byId = new Map();
    for (const f of findings) if (!byId.has(f.id)) byId.set(f.id, f);
    console.log(`testssl: exit ${run.code}, ${findings.length} findings in ${(run.ms / 1000).toFixed(1)} s; `
      + 'not OK/INFO: '
      + JSON.stringify(findings.filter((f) => !/^(OK|INFO)$/.test(f.severity))
        .map((f) => `${f.id} ${f.severity}: ${f.finding}`)));
  });

  after(async () => { if (s) await s.stop(); });

  /** The finding of id; fails when testssl did not report it. */
  const finding = (id) => {
    const f = byId.get(id);
    assert.ok(f, `testssl reported no ${id}`);
    return f;
  };

  test('testssl ran to the end', () => {
    // Its exit status counts some WARN findings (the resumption race in
    // EXPECTED among them), so whether it finished is judged by scanTime;
    // the findings themselves are judged below.
    assert.equal(run.signal, null, `testssl was killed after ${run.ms} ms:\n${run.out.slice(-3000)}`);
    assert.ok(byId.has('scanTime'), `no scanTime: the scan did not finish:\n${run.out.slice(-3000)}`);
  });

  test('nothing below TLS 1.2 is offered; TLS 1.2 and 1.3 are', () => {
    for (const id of ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1'])
      assert.match(finding(id).finding, /^not offered/, `${id}: ${finding(id).finding}`);
    for (const id of ['TLS1_2', 'TLS1_3'])
      assert.match(finding(id).finding, /^offered/, `${id}: ${finding(id).finding}`);
  });

  test('no weak cipher category is offered; only strong AEAD ones with forward secrecy', () => {
    // NULL, anonymous, export, LOW (64-bit, DES, RC2, RC4), 3DES/IDEA, and
    // the obsolete CBC ones testssl calls AVERAGE.
    for (const id of ['cipherlist_NULL', 'cipherlist_aNULL', 'cipherlist_EXPORT', 'cipherlist_LOW',
      'cipherlist_3DES_IDEA', 'cipherlist_AVERAGE'])
      assert.match(finding(id).finding, /^not offered/, `${id}: ${finding(id).finding}`);
    assert.match(finding('cipherlist_STRONG').finding, /^offered/);
    assert.equal(finding('PFS').severity, 'OK', finding('PFS').finding);
  });

  test('every vulnerability check is OK or INFO', () => {
    const ids = ['heartbleed', 'CCS', 'ticketbleed', 'ROBOT', 'secure_renego', 'secure_client_renego',
      'CRIME_TLS', 'BREACH', 'POODLE_SSL', 'fallback_SCSV', 'SWEET32', 'FREAK', 'DROWN', 'LOGJAM',
      'BEAST', 'LUCKY13', 'RC4'];
    const bad = ids.map(finding).filter((f) => !/^(OK|INFO)$/.test(f.severity));
    assert.deepEqual(bad.map((f) => `${f.id} ${f.severity}: ${f.finding}`), []);
  });

  test('no finding above INFO but those explained in EXPECTED', () => {
    const bad = findings.filter((f) => !/^(OK|INFO)$/.test(f.severity))
      .filter((f) => !(EXPECTED[f.id] && EXPECTED[f.id].test(f.finding)));
    assert.deepEqual(bad.map((f) => `${f.id} ${f.severity}: ${f.finding}`), []);
  });

  test('HSTS with a max-age of at least six months', () => {
    const f = finding('HSTS_time');
    assert.equal(f.severity, 'OK', f.finding);
    const m = /\(=(\d+) seconds\)/.exec(f.finding);
    assert.ok(m && Number(m[1]) >= 15552000, f.finding);
  });

  test('testssl saw the cookie of the scanned URL marked Secure and HttpOnly', () => {
    assert.match(finding('cookie_count').finding, /^[1-9]\d* at/, finding('cookie_count').finding);
    assert.equal(finding('cookie_secure').severity, 'OK', finding('cookie_secure').finding);
    assert.equal(finding('cookie_httponly').severity, 'OK', finding('cookie_httponly').finding);
  });

  test('SameSite (which testssl 3.0 does not check): the scanned URL\'s cookie and a real session cookie', async () => {
    const scanned = setCookies(await request(s, 'GET', SCAN_PATH)).map(parseSetCookie);
    assert.ok(scanned.length > 0, `GET ${SCAN_PATH} set no cookie`);
    const staff = new StaffClient(s, accounts.desk);
    const login = await staff.loginOk();
    const session = setCookies(login).map(parseSetCookie).filter((c) => c.name === STAFF_COOKIE);
    assert.equal(session.length, 1);
    for (const c of [...scanned, ...session]) {
      assert.equal(c.attrs.secure, true, `${c.name} without Secure`);
      assert.equal(c.attrs.httponly, true, `${c.name} without HttpOnly`);
      assert.equal(c.attrs.samesite, 'Strict', `${c.name} SameSite=${c.attrs.samesite}`);
    }
  });
});
