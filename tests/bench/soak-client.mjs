// The steady part of the soak's mixed load (tests/bench/soak.sh): at a fixed
// pace, a client books, looks at, pays part of with a voucher and cancels a
// booking over the JSON API and walks the public pages; beside it staff log
// in in turn (desk and admin sell vouchers and read the calendar,
// therapists read theirs) and log out. Prints one JSON line of counts and
// latencies at the end; unexpected answers are counted as errors.
//   node soak-client.mjs --port P --cert PEM --demo FILE --seconds S
// FILE is `saferoomctl demo`'s output (the staff logins).
import fs from 'node:fs';
import { request, parseBlocks, StaffClient, sleep } from '../lib/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const server = { port: Number(args.port), cert: args.cert, db: `soak:${args.port}` };
const seconds = Number(args.seconds);
const accounts = parseBlocks(fs.readFileSync(args.demo, 'utf8')).filter((b) => b.username && b.role);
if (!server.port || !server.cert || !seconds || accounts.length === 0) {
  console.error('usage: node soak-client.mjs --port P --cert PEM --demo FILE --seconds S');
  process.exit(2);
}

const CLIENT_EVERY_MS = 1500;	/* one client step */
const STAFF_EVERY_MS = 12000;	/* one staff visit; each account every ~48 s */
const until = Date.now() + seconds * 1000;
const stats = { requests: 0, errors: 0, by: {}, error_samples: [], ms: [] };

/** A request that counts itself; want is the status (or statuses) expected. */
async function call(what, want, fn) {
  const t = Date.now();
  let res;
  let err;
  try { res = await fn(); } catch (e) { err = e; }
  const ms = Date.now() - t;
  stats.requests++;
  stats.ms.push(ms);
  stats.by[what] = (stats.by[what] || 0) + 1;
  const ok = res && [].concat(want).includes(res.status);
  if (!ok) {
    stats.errors++;
    if (stats.error_samples.length < 20)
      stats.error_samples.push(`${what}: ${err ? err.message : `${res.status} ${res.body.slice(0, 160)}`}`);
  }
  return ok ? res : null;
}

const dateOf = (ms) => new Date(ms).toISOString().slice(0, 10);
const PAGES = ['/', '/book', '/book/therapist?service=2', '/manage', '/voucher', '/staff/login', '/static/style.css'];
let voucherCodes = [];	/* sold by staff, spent by the client */

async function clientLoop() {
  let i = 0;
  while (Date.now() < until) {
    const t0 = Date.now();
    const step = i++;
    if (step % 2 === 1) {
      const p = PAGES[(step >> 1) % PAGES.length];
      await call(`page ${p}`, 200, () => request(server, 'GET', p));
    } else {
      const service = 1 + ((step >> 1) % 3);
      const from = dateOf(Date.now() + 2 * 86400000);
      const slots = await call('slots', 200, () =>
        request(server, 'GET', `/api/v1/slots?service=${service}&from=${from}&days=14`));
      const list = slots?.json?.slots || [];
      if (list.length > 0) {
        const slot = list[Math.floor(Math.random() * list.length)];
        const made = await call('book', [201, 409], () => request(server, 'POST', '/api/v1/bookings',
          { json: { service, therapist: slot.therapist, start: slot.start } }));
        if (made?.status === 201) {
          const auth = { headers: { Authorization: `Bearer ${made.json.token}` } };
          await call('booking', 200, () => request(server, 'GET', '/api/v1/booking', auth));
          const code = voucherCodes.shift();
          if (code)
            await call('redeem', 200, () => request(server, 'POST', '/api/v1/booking/redeem', { ...auth, json: { code } }));
          await call('cancel', 200, () => request(server, 'POST', '/api/v1/booking/cancel', auth));
        }
      }
    }
    await sleep(Math.max(0, CLIENT_EVERY_MS - (Date.now() - t0)));
  }
}

async function staffLoop() {
  let i = 0;
  while (Date.now() < until) {
    const t0 = Date.now();
    const account = accounts[i++ % accounts.length];
    const staff = new StaffClient(server, account);
    const login = await call('staff login', 200, () => staff.login());
    if (login) {
      const from = dateOf(Date.now());
      await call('staff calendar', 200, () => staff.get(`/api/v1/staff/calendar?from=${from}&days=7`));
      await call('staff page', 200, () => staff.get(`/staff/calendar?from=${from}`));
      if (account.role === 'desk' || account.role === 'admin') {
        const sold = await call('voucher sale', [200, 201], () => staff.post('/api/v1/staff/vouchers',
          { count: 1, value_cents: 1000, currency: 'EUR', valid_days: 30 }));
        for (const v of sold?.json?.vouchers || []) voucherCodes.push(v.code);
        voucherCodes = voucherCodes.slice(-4);
      }
      await call('staff logout', 204, () => staff.logout());
    }
    await sleep(Math.max(0, Math.min(STAFF_EVERY_MS - (Date.now() - t0), until - Date.now())));
  }
}

await Promise.all([clientLoop(), staffLoop()]);
const ms = stats.ms.sort((a, b) => a - b);
const out = {
  requests: stats.requests,
  errors: stats.errors,
  ms_median: ms[Math.floor(ms.length / 2)] ?? null,
  ms_p99: ms[Math.floor(ms.length * 0.99)] ?? null,
  ms_max: ms[ms.length - 1] ?? null,
  by: stats.by,
  error_samples: stats.error_samples,
};
console.log(JSON.stringify(out));
process.exit(0);
