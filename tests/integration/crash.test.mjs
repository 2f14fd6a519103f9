// kill -9 (issue 6): saferoomd is killed with SIGKILL while many clients
// book (client API), the desk sells vouchers, clients and the desk redeem
// them, and the desk takes cash. After a restart on the same database every
// write that was acknowledged is there (through the API and in the
// database), nothing is there that nobody asked for, PRAGMA integrity_check
// is ok and the books add up (tests/lib/books.mjs). Three rounds, each
// killing the server at a different point of the load.
//
// A request is acknowledged when its whole success answer was read; one cut
// off by the kill may or may not have been written, so the database must
// hold between the acknowledged count and that plus the cut-off count.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, request, StaffClient, sleep, ctlDemoUnlimited } from '../lib/harness.mjs';
import {
  sql, num, quote, assertIntact, assertBooks, freeSlots, book, bearer,
} from '../lib/books.mjs';

const API = '/api/v1';
const PRICE = 4000;		// the demo clinic's service 1, EUR
const VOUCHER = 1000;		// each voucher sold
const CASH = 500;		// each desk payment
const ROUNDS = 3;
const WORKERS = { book: 4, sell: 1, redeem: 3, pay: 2 };
/* Acknowledged writes each round has before the kill (then a random delay). */
const BEFORE_KILL = { bookings: 6, vouchers: 2, redemptions: 2, payments: 2 };
const LOAD_TIMEOUT_MS = 20000;

const lookupOf = (code) => code.replace(/[-\s]/g, '').slice(0, 6);
const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];

describe('kill -9 in the middle of bookings, voucher sales, redemptions and payments', () => {
  let s;
  let desk;
  /* What the server acknowledged, over all rounds. */
  const bookings = new Map();	// ref -> {token, paid: highest paid_cents acknowledged}
  const vouchers = new Map();	// lookup -> code
  const redemptions = [];	// {lookup, ref}
  const payments = new Map();	// ref -> count acknowledged
  const spare = [];		// voucher codes sold and not yet redeemed
  /* Requests cut off by a kill: written or not, nobody knows. */
  const cut = { bookings: 0, vouchers: 0, redemptions: 0, payments: 0 };
  const refused = {};		// redemptions refused, by status and code

  before(async () => {
    let accounts;
    s = await startServer({
      setup: (db) => {
        accounts = ctlDemoUnlimited(db).by;
      },
    });
    desk = new StaffClient(s, accounts.desk);
    await desk.loginOk();
  });
  after(async () => { if (s) await s.stop(); });

  /** Runs the load until stop() is called; counts acknowledged writes of this round. */
  function load(slots) {
    const got = { bookings: 0, vouchers: 0, redemptions: 0, payments: 0 };
    const inflight = { n: 0 };
    let running = true;

    /* One request: its answer, or null when it was cut off. */
    async function attempt(kind, fn) {
      inflight.n++;
      try {
        return await fn();
      } catch (e) {
        // Refused at connect: the server was gone already and wrote nothing.
        if (e.code !== 'ECONNREFUSED') cut[kind]++;
        return null;
      } finally {
        inflight.n--;
      }
    }

    const payable = (min) => [...bookings].filter(([, b]) => PRICE - b.paid >= min).map(([ref]) => ref);
    const notePaid = (ref, paid) => {
      const b = bookings.get(ref);
      if (b && paid > b.paid) b.paid = paid;
    };

    const workers = [];
    for (let i = 0; i < WORKERS.book; i++) {
      workers.push((async () => {
        while (running && slots.length > 0) {
          const r = await attempt('bookings', () => book(s, slots.pop()));
          if (r?.status === 201) {
            bookings.set(r.json.booking.ref, { token: r.json.token, paid: 0 });
            got.bookings++;
          }
        }
      })());
    }
    for (let i = 0; i < WORKERS.sell; i++) {
      workers.push((async () => {
        while (running) {
          const r = await attempt('vouchers', () => desk.post(`${API}/staff/vouchers`,
            { count: 2, value_cents: VOUCHER, currency: 'EUR', valid_days: 30 }));
          if (r?.status === 201) {
            for (const v of r.json.vouchers) {
              vouchers.set(lookupOf(v.code), v.code);
              spare.push(v.code);
            }
            got.vouchers += r.json.vouchers.length;
          }
        }
      })());
    }
    for (let i = 0; i < WORKERS.redeem; i++) {
      workers.push((async () => {
        while (running) {
          const refs = payable(1);
          if (spare.length === 0 || refs.length === 0) { await sleep(20); continue; }
          const code = spare.shift();
          const ref = pick(refs);
          // Half by the client with the booking's token, half at the desk.
          const r = await attempt('redemptions', () => (i % 2 === 0
            ? request(s, 'POST', `${API}/booking/redeem`, { json: { code }, headers: bearer(bookings.get(ref).token) })
            : desk.post(`${API}/staff/vouchers/redeem`, { code, booking: ref })));
          if (r === null) continue;	// the code may be spent: not used again
          if (r.status === 200) {
            redemptions.push({ lookup: lookupOf(code), ref });
            notePaid(ref, r.json.paid_cents);
            got.redemptions++;
          } else {
            const why = `${r.status} ${r.json?.error?.code}`;
            refused[why] = (refused[why] ?? 0) + 1;
            spare.push(code);	// refused: nothing was taken
          }
        }
      })());
    }
    for (let i = 0; i < WORKERS.pay; i++) {
      workers.push((async () => {
        while (running) {
          // At most two payments a booking, so that vouchers have something to pay.
          const refs = payable(CASH).filter((ref) => (payments.get(ref) ?? 0) < 2);
          if (refs.length === 0) { await sleep(20); continue; }
          const ref = pick(refs);
          const r = await attempt('payments', () => desk.post(`${API}/staff/payments`,
            { booking: ref, method: 'cash', amount_cents: CASH }));
          if (r?.status === 200) {
            payments.set(ref, (payments.get(ref) ?? 0) + 1);
            notePaid(ref, r.json.paid_cents);
            got.payments++;
          }
        }
      })());
    }
    return {
      got,
      inflight,
      enough: () => Object.entries(BEFORE_KILL).every(([k, n]) => got[k] >= n),
      stop: async () => { running = false; await Promise.all(workers); },
    };
  }

  for (let round = 1; round <= ROUNDS; round++) {
    test(`round ${round}: after SIGKILL and a restart every acknowledged write is there and the books add up`, async (t) => {
      const slots = await freeSlots(s, 1, 80);
      assert.ok(slots.length >= 40, `only ${slots.length} free slots`);
      slots.reverse();
      const cut0 = { ...cut };
      const l = load(slots);
      const t0 = Date.now();
      while (!l.enough()) {
        assert.ok(Date.now() - t0 < LOAD_TIMEOUT_MS,
          `the load did not get far enough in ${LOAD_TIMEOUT_MS} ms: ${JSON.stringify(l.got)}; `
          + `redemptions refused: ${JSON.stringify(refused)}`);
        await sleep(10);
      }
      // A different point of the load each round.
      await sleep(Math.floor(Math.random() * 40 * round));
      const inflight = l.inflight.n;
      const exit = await s.stop('SIGKILL');
      assert.equal(exit.signal, 'SIGKILL', `the server was not killed: ${JSON.stringify(exit)}`);
      await l.stop();
      assert.ok(inflight > 0, 'nothing was in flight when the server was killed');
      const cutNow = Object.fromEntries(Object.entries(cut).map(([k, n]) => [k, n - cut0[k]]));
      t.diagnostic(`round ${round}: killed after ${Date.now() - t0} ms with ${inflight} requests in flight; `
        + `acknowledged this round ${JSON.stringify(l.got)}; cut off ${JSON.stringify(cutNow)}`);

      await s.restart();
      assertIntact(s.db);
      assertBooks(s.db);

      // Every acknowledged booking, through the API with its token, paid at least as acknowledged.
      const refs = [...bookings.keys()];
      for (let i = 0; i < refs.length; i += 8) {
        await Promise.all(refs.slice(i, i + 8).map(async (ref) => {
          const b = bookings.get(ref);
          const r = await request(s, 'GET', `${API}/booking`, { headers: bearer(b.token) });
          assert.equal(r.status, 200, `acknowledged booking ${ref} is lost: ${r.status} ${r.body.slice(0, 200)}`);
          assert.equal(r.json.ref, ref);
          assert.ok(r.json.paid_cents >= b.paid, `booking ${ref}: paid ${r.json.paid_cents} < acknowledged ${b.paid}`);
        }));
      }
      const nBookings = num(s.db, 'SELECT count(*) FROM bookings');
      assert.ok(nBookings >= bookings.size && nBookings <= bookings.size + cut.bookings,
        `${nBookings} bookings; ${bookings.size} acknowledged, ${cut.bookings} cut off`);

      // Every acknowledged voucher, with its value; none that nobody sold.
      const inDb = new Map(sql(s.db, 'SELECT lookup, value_cents FROM vouchers').split('\n').filter(Boolean)
        .map((line) => line.split('|')).map(([lk, v]) => [lk, Number(v)]));
      for (const lk of vouchers.keys()) {
        assert.equal(inDb.get(lk), VOUCHER, `acknowledged voucher ${lk} is lost`);
      }
      assert.ok(inDb.size <= vouchers.size + 2 * cut.vouchers,
        `${inDb.size} vouchers; ${vouchers.size} acknowledged, ${cut.vouchers} sales cut off`);
      assert.equal(num(s.db, 'SELECT count(*) FROM ledger WHERE kind = \'voucher_sold\''), inDb.size,
        'a voucher without its sale in the ledger, or a sale without its voucher');

      // Every acknowledged redemption and payment is in the ledger.
      for (const { lookup, ref } of redemptions) {
        assert.equal(num(s.db, `SELECT count(*) FROM ledger l JOIN vouchers v ON v.id = l.voucher_id `
          + `WHERE l.kind = 'voucher_redeemed' AND v.lookup = ${quote(lookup)} AND l.booking_ref = ${quote(ref)}`), 1,
        `acknowledged redemption of ${lookup} on ${ref} is lost`);
      }
      const nRedeemed = num(s.db, 'SELECT count(*) FROM ledger WHERE kind = \'voucher_redeemed\'');
      assert.ok(nRedeemed >= redemptions.length && nRedeemed <= redemptions.length + cut.redemptions,
        `${nRedeemed} redemptions; ${redemptions.length} acknowledged, ${cut.redemptions} cut off`);
      let nPaid = 0;
      for (const [ref, n] of payments) {
        nPaid += n;
        const inLedger = num(s.db, `SELECT count(*) FROM ledger WHERE kind = 'payment' AND booking_ref = ${quote(ref)}`);
        assert.ok(inLedger >= n, `booking ${ref}: ${inLedger} payments in the ledger, ${n} acknowledged`);
      }
      const nPayments = num(s.db, 'SELECT count(*) FROM ledger WHERE kind = \'payment\'');
      assert.ok(nPayments >= nPaid && nPayments <= nPaid + cut.payments,
        `${nPayments} payments; ${nPaid} acknowledged, ${cut.payments} cut off`);

      // The desk's session was acknowledged too: it still works.
      const me = await desk.get(`${API}/staff/me`);
      assert.equal(me.status, 200, `the desk's session is lost: ${me.status}`);
    });
  }
});
