// Issue 6, slow and hostile clients: slowhttptest (Debian package) in
// slowloris (-H), slow-body (-B) and slow-read (-X) mode against a real
// saferoomd, one mode after another, while a well-behaved client asks for
// /api/v1/services and the home page every 200 ms. Every one of its requests
// must be answered within a second, and the server's open files and memory
// must stay bounded and come back down.
//
// The defences are server/http.c's: a cap on connections per client address
// (checked at the TLS ClientHello), a deadline per connection for sending a
// request or reading an answer, an idle timeout, and a cap per loop thread.
// slowhttptest comes from 127.0.0.1; the good client binds 127.0.0.2 (any
// 127/8 address reaches the loopback listener), so it is another client
// address, as a real visitor next to an attacker would be. What keeps it
// served is the per-address cap: the attacker gets at most
// --max-connections-per-address (64 by default, left at that here) and the
// rest are refused. An attacker with many addresses is out of reach of this
// test: the per-loop cap bounds the server's files then, but visitors wait
// for the deadline to free a place.
//
// The timeouts are shortened (--request-timeout 8, --idle-timeout 5) so that
// each 20 s run also shows the deadline cutting every held connection.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, request, tempDir, sleep } from '../lib/harness.mjs';

const PER_ADDRESS = 64;		/* saferoomd's default, server/config.c */
const REQUEST_TIMEOUT_S = 8;
const IDLE_TIMEOUT_S = 5;
const RUN_S = 20;		/* each slowhttptest mode */
const GOOD_EVERY_MS = 200;
const GOOD_LIMIT_MS = 1000;	/* the issue: "served within a second" */
const SAMPLE_EVERY_MS = 250;
/* Open files beyond the idle server's: the attacker's cap plus the good client and slack. */
const FD_SLACK = 16;
/* RSS growth allowed over the idle server's (generous; ASan's quarantine needs more). */
const RSS_GROWTH_KB = 64 * 1024;
const RSS_GROWTH_ASAN_KB = 512 * 1024;
/* The good client's own address: another client than slowhttptest's 127.0.0.1. */
const GOOD_ADDR = '127.0.0.2';

/** {rssKb, fds} of a running process from /proc. */
function procSample(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return { rssKb: m ? Number(m[1]) : NaN, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

/** True when the process has AddressSanitizer's runtime mapped. */
function underAsan(pid) {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  return /libasan|libclang_rt\.asan/.test(maps);
}

/** Samples pid every SAMPLE_EVERY_MS until stop(); returns [{t, rssKb, fds}]. */
function sampler(pid, t0) {
  const samples = [];
  const take = () => { try { samples.push({ t: Date.now() - t0, ...procSample(pid) }); } catch { /* exited */ } };
  take();
  const timer = setInterval(take, SAMPLE_EVERY_MS);
  return { samples, stop() { clearInterval(timer); take(); return samples; } };
}

/** The good client: GET /api/v1/services and / in turn every GOOD_EVERY_MS until stop(). */
function goodClient(server) {
  const results = [];
  let running = true;
  const done = (async () => {
    let i = 0;
    while (running) {
      const urlPath = i++ % 2 === 0 ? '/api/v1/services' : '/';
      const t = Date.now();
      let status;
      try {
        status = (await request(server, 'GET', urlPath, { timeout: 10000, tls: { localAddress: GOOD_ADDR } })).status;
      } catch (e) {
        status = `error: ${e.message}`;
      }
      const ms = Date.now() - t;
      results.push({ path: urlPath, status, ms });
      await sleep(Math.max(0, GOOD_EVERY_MS - ms));
    }
  })();
  return { results, async stop() { running = false; await done; return results; } };
}

/** Runs slowhttptest with args; resolves with {code, out, csv: [{sec, closed, pending, connected, available}]}. */
function slowhttptest(args, outBase) {
  return new Promise((resolve, reject) => {
    const p = spawn('slowhttptest', [...args, '-g', '-o', outBase], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', (e) => reject(new Error(`slowhttptest did not start (${e.message}); `
      + 'install it: bash deploy/deps.sh --test')));
    p.on('close', (code) => {
      let csv = [];
      try {
        csv = fs.readFileSync(`${outBase}.csv`, 'utf8').trim().split('\n').slice(1).map((l) => {
          const [sec, closed, pending, connected, available] = l.split(',').map(Number);
          return { sec, closed, pending, connected, available };
        });
      } catch { /* no CSV: reported below */ }
      resolve({ code, out, csv });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

describe('slow and hostile clients', () => {
  let s;
  let base;
  let asan;
  let work;
  const figures = {};

  before(async () => {
    s = await startServer({
      args: ['--request-timeout', REQUEST_TIMEOUT_S, '--idle-timeout', IDLE_TIMEOUT_S,
        '--max-connections-per-address', PER_ADDRESS],
    });
    work = tempDir('slow-');
    // Warm up (first TLS contexts, first pages) before the baseline is taken.
    for (const p of ['/api/v1/services', '/', '/static/style.css'])
      assert.equal((await request(s, 'GET', p, { tls: { localAddress: GOOD_ADDR } })).status, 200);
    await sleep(300);
    base = procSample(s.proc.pid);
    asan = underAsan(s.proc.pid);
  });

  after(async () => {
    if (s) await s.stop();
    const text = JSON.stringify({ baseline: base, asan, modes: figures }, null, 2);
    console.log(`slowclients figures:\n${text}`);
    const dir = process.env.SAFEROOM_ARTIFACTS;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'slowclients.json'), `${text}\n`);
      for (const f of fs.readdirSync(work).filter((n) => n.endsWith('.csv')))
        fs.copyFileSync(path.join(work, f), path.join(dir, `slowclients-${f}`));
    }
  });

  const modes = [
    // Headers that never end: a follow-up line every 2 s (inside the idle
    // timeout), so only the request deadline cuts them.
    { name: 'slowloris', args: ['-H', '-i', '2', '-x', '24', '-t', 'GET'], path: '/' },
    // A POST whose 8 KiB body (under --body-max) comes a few bytes every 2 s.
    { name: 'slow-body', args: ['-B', '-i', '2', '-x', '10', '-s', '8192', '-t', 'POST'], path: '/api/v1/bookings' },
    // Three pipelined requests for a 16 KiB file read back 32 bytes every 2 s
    // through a 512..1024 byte TCP window.
    { name: 'slow-read', args: ['-X', '-w', '512', '-y', '1024', '-n', '2', '-z', '32', '-k', '3'], path: '/static/style.css' },
  ];

  for (const mode of modes) {
    test(`${mode.name}: the good client is served within a second; files and memory stay bounded`, async () => {
      const t0 = Date.now();
      const samp = sampler(s.proc.pid, t0);
      const good = goodClient(s);
      const run = await slowhttptest([...mode.args, '-c', '300', '-r', '100', '-p', '3',
        '-l', String(RUN_S), '-u', `https://127.0.0.1:${s.port}${mode.path}`], path.join(work, mode.name));
      const runEnd = Date.now() - t0;
      // slowhttptest has closed its sockets; the server must let go of them.
      let settled = null;
      for (let i = 0; i < 40 && settled === null; i++) {
        await sleep(SAMPLE_EVERY_MS);
        if (procSample(s.proc.pid).fds <= base.fds + 4) settled = Date.now() - t0 - runEnd;
      }
      const results = await good.stop();
      const samples = samp.stop();
      const atEnd = procSample(s.proc.pid);

      assert.ok(run.csv.length > 0, `slowhttptest wrote no CSV (exit ${run.code}):\n${run.out}`);
      const during = samples.filter((x) => x.t <= runEnd);
      const maxFds = Math.max(...during.map((x) => x.fds));
      const maxRss = Math.max(...samples.map((x) => x.rssKb));
      const lat = results.map((r) => r.ms);
      // When the server had let go of every attacking connection: the first
      // sample after the peak back at the idle count (+ the good client's).
      const peakAt = samples.findIndex((x) => x.fds === maxFds);
      const cut = samples.slice(peakAt).find((x) => x.fds <= base.fds + 4);
      const exit = /Exit status:\s*(?:\x1b\[[0-9;]*m)*\s*([^\n\x1b]*)/.exec(run.out);
      figures[mode.name] = {
        slowhttptest_connected_max: Math.max(...run.csv.map((r) => r.connected)),
        slowhttptest_pending_max: Math.max(...run.csv.map((r) => r.pending)),
        slowhttptest_closed_end: run.csv[run.csv.length - 1].closed,
        slowhttptest_probe_available_end: run.csv[run.csv.length - 1].available > 0,
        server_held_max: maxFds - base.fds,
        server_all_cut_at_ms: cut ? cut.t : null,
        slowhttptest_ran_ms: runEnd,
        slowhttptest_exit: exit ? exit[1].trim() : null,
        max_fds: maxFds,
        fds_after: atEnd.fds,
        settled_ms_after_run: settled,
        rss_kb_base: base.rssKb,
        rss_kb_max: maxRss,
        rss_kb_after: atEnd.rssKb,
        good_requests: results.length,
        good_ms_median: median(lat),
        good_ms_max: Math.max(...lat),
      };
      console.log(`${mode.name}: ${JSON.stringify(figures[mode.name])}`);

      const bad = results.filter((r) => r.status !== 200 || r.ms >= GOOD_LIMIT_MS);
      assert.ok(results.length >= (RUN_S * 1000 / GOOD_EVERY_MS) / 3,
        `the good client made only ${results.length} requests in ${RUN_S} s`);
      assert.deepEqual(bad, [], `good client requests not answered 200 within ${GOOD_LIMIT_MS} ms`);
      // slowhttptest really held connections: the attack was on.
      assert.ok(figures[mode.name].server_held_max >= PER_ADDRESS / 2,
        `the server never held more than ${figures[mode.name].server_held_max} attacking connections`);
      assert.ok(maxFds <= base.fds + PER_ADDRESS + FD_SLACK,
        `open files reached ${maxFds}, idle ${base.fds}, per-address cap ${PER_ADDRESS}`);
      // The deadline (or the idle timeout) cut every held connection while
      // slowhttptest still meant to hold them: either before its time was
      // up, or it gave up early because the server had closed them all
      // (it opens no new ones then). Sampling is every 250 ms, so the last
      // close may be seen just after it exits.
      const serverCut = cut && cut.t <= (REQUEST_TIMEOUT_S + 5) * 1000
        && (cut.t < runEnd || figures[mode.name].slowhttptest_exit === 'No open connections left');
      assert.ok(serverCut,
        `the server still held attacking connections ${cut ? cut.t : 'to the end'} ms into the run `
        + `with --request-timeout ${REQUEST_TIMEOUT_S}`);
      assert.ok(settled !== null, `open files did not come back to ${base.fds} + 4 after the run: ${atEnd.fds}`);
      const growth = asan ? RSS_GROWTH_ASAN_KB : RSS_GROWTH_KB;
      assert.ok(maxRss - base.rssKb <= growth,
        `RSS grew from ${base.rssKb} kB to ${maxRss} kB (allowed ${growth} kB)`);
    });
  }

  test('after the attacks 127.0.0.1 itself is served again', async () => {
    assert.equal((await request(s, 'GET', '/api/v1/services')).status, 200);
  });
});
