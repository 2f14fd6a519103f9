// The client's money pages (server/pages.c) in a real browser with
// JavaScript off (issue 5, "Tests"): the desk sells two vouchers through the
// JSON API, one worth a whole "Individual session" (90.00 EUR) and one of
// 30.00 EUR. The client books through the pages and, on /manage/booking,
// types the 30.00 code in lower case with spaces for dashes (paid 30.00, 60.00
// to pay), mistypes one symbol of the other (a 400 page, nothing paid), then
// pays the rest with it (0.00 to pay, the form gone). The receipt names the
// practice, lists both payments and a total of 90.00 EUR, has a blank line
// for a name and holds no booking code. In a fresh browser without cookies
// the public /voucher page shows the 90.00 voucher holding 30.00 EUR. The
// client cancels: the page shows a 90.00 EUR credit voucher once, with a QR
// code that decodes (zbarimg) to the printed code; the booking page does not
// show it again; the credit pays a second booking made through the pages.
// No page loads anything from another origin or trips the
// Content-Security-Policy. Screenshots (client-pay-*.png) go to
// SAFEROOM_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ctlDemo, ctlOk, startServer, request, StaffClient } from '../lib/harness.mjs';
import { launch, newContext, screenshot, watchPage, assertClean } from '../lib/browser.mjs';

const PHONE = { width: 390, height: 844 };
const PRACTICE = 'Demo Practice';
const ADDRESS = 'Example Street 1, 10115 Berlin';
const TAX = 'DE123456789';
const SERVICE = 'Individual session';
const THERAPIST = 'Dr. Alex Rivera';
const TZ = 'Europe/Berlin';	// the demo clinic's zone
// Crockford base32 (include/saferoom/token.h), the alphabet of all codes.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SYM = '[0-9A-HJKMNP-TV-Z]';
const VOUCHER_RE = new RegExp(`^${SYM}{4}(-${SYM}{4}){4}$`);
const BOOKING_RE = new RegExp(`^${SYM}{4}(-${SYM}{4}){8}$`);

let server;
let browser;
let origin;
let demo;
/** The vouchers the desk sold: {code, value_cents, currency, expires}. */
let v30 = null;
let v90 = null;
/** The client's browser, kept from booking to cancelling (its manage cookie). */
let client = null;
/** What the client booked and paid. */
let booked = null;
let paidInFull = false;

before(async () => {
  server = await startServer({
    setup: (db) => {
      demo = ctlDemo(db);
      ctlOk(db, 'settings', 'set', 'min_notice_minutes', '0');
      ctlOk(db, 'settings', 'set', 'practice_address', ADDRESS);
      ctlOk(db, 'settings', 'set', 'practice_tax_number', TAX);
    },
  });
  origin = new URL(server.url).origin;
  browser = await launch();
});

after(async () => {
  if (client) await client.context.close().catch(() => {});
  if (browser) await browser.close();
  if (server) await server.stop();
});

// ---- helpers ---------------------------------------------------------------

function artifact(name) {
  const dir = process.env.SAFEROOM_ARTIFACTS || path.join(os.tmpdir(), 'saferoom-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/** YYYY-MM-DD of today + plusDays in the clinic's zone. */
function clinicDate(plusDays = 0) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString().slice(0, 10);
}

/** The text zbarimg reads from a PNG file (its one trailing newline dropped). */
function zbar(file) {
  return execFileSync('zbarimg', ['--raw', '-q', file], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).replace(/\n$/, '');
}

/** The Luhn mod 32 check symbol of voucher symbols (server/voucher.c). */
function checkSymbol(sym) {
  let factor = 2;
  let sum = 0;
  for (let i = sym.length - 1; i >= 0; i--) {
    const addend = factor * ALPHABET.indexOf(sym[i]);
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return ALPHABET[(32 - (sum % 32)) % 32];
}

/** code with the symbol at index i (dashes not counted) changed to another. */
function typo(code, i) {
  const sym = code.replace(/-/g, '').split('');
  sym[i] = ALPHABET[(ALPHABET.indexOf(sym[i]) + 7) % 32];
  return sym.join('').match(/.{4}/g).join('-');
}

/** Every way a code may be written on a page: as printed, bare, lower case. */
function spellings(code) {
  const bare = code.replace(/-/g, '');
  return [code, bare, code.toLowerCase(), bare.toLowerCase(), code.replace(/-/g, ' ')];
}

function assertNoCode(html, code, what) {
  for (const s of spellings(code)) assert.ok(!html.includes(s), `${what} holds the code (as ${s})`);
}

/**
 * A JavaScript-less phone-sized browser context whose pages are watched:
 * every request must go to the server's origin, no console message may be
 * a CSP violation or an error, no asset may fail, and no HTML document may
 * carry inline script or come without a strict script-src.
 */
async function watchedContext() {
  const context = await newContext(browser, { javaScriptEnabled: false, viewport: PHONE });
  context.setDefaultTimeout(5000);
  context.setDefaultNavigationTimeout(15000);
  const page = await context.newPage();
  const w = watchPage(page, origin);
  return { context, page, w };
}

/** Screenshot, after checking the page fits the phone's width. */
async function shot(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await screenshot(page, `client-pay-${name}.png`);
  assert.ok(width <= PHONE.width, `${name}: the page is ${width}px wide, wider than the ${PHONE.width}px phone`);
}

async function goto(page, urlPath, status = 200) {
  const res = await page.goto(`${server.url}${urlPath}`, { waitUntil: 'load' });
  assert.equal(res.status(), status, `${urlPath} answered ${res.status()}`);
  return res;
}

/** Clicks what locator names and waits for the page it leads to. */
async function follow(page, locator, status = 200) {
  assert.equal(await locator.count(), 1, `expected one ${locator}`);
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  assert.ok(res, `clicking ${locator} loaded no page`);
  assert.equal(res.status(), status, `${res.url()} answered ${res.status()}`);
  return res;
}

const h1 = async (page) => squash(await page.locator('h1').innerText());
const where = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };

/** The text of <dd> after <dt>LABEL</dt> in the page's dl.summary. */
async function summary(page, label) {
  const dd = page.locator(
    `xpath=//dl[contains(@class,"summary")]/dt[normalize-space()="${label}"]/following-sibling::dd[1]`);
  assert.equal(await dd.count(), 1, `the page has no "${label}" in its summary`);
  return squash(await dd.innerText());
}

/** The error page's first paragraph, after checking its heading. */
async function errorPage(page, heading) {
  assert.equal(await h1(page), heading);
  assert.equal(await page.getByRole('link', { name: 'Back to the start page' }).count(), 1);
  return squash(await page.locator('main p').first().innerText());
}

/** The link in ul.choices whose own text is label. */
function choice(page, label) {
  return page.locator('ul.choices a').filter({ hasText: new RegExp(`^\\s*${label.replace(/[.]/g, '\\.')}\\s*$`) });
}

/** GET /api/v1/booking with the code: the answer. */
async function apiBooking(code) {
  const r = await request(server, 'GET', '/api/v1/booking', { headers: { Authorization: `Bearer ${code}` } });
  assert.equal(r.status, 200, `GET /api/v1/booking: ${r.status} ${r.body}`);
  return r;
}

/**
 * Books an Individual session with Dr. Rivera through the pages from the
 * home page, on the first offered day at least minDay, at its first time.
 * Returns {code, ref, when} from the done page.
 */
async function bookThroughPages(page, minDay, prefix) {
  await goto(page, '/');
  await follow(page, page.getByRole('link', { name: 'Book a session', exact: true }));
  assert.equal(await h1(page), 'Choose a service');
  await follow(page, choice(page, SERVICE));
  assert.equal(await h1(page), 'Choose a therapist');
  await follow(page, choice(page, THERAPIST));
  assert.equal(await h1(page), 'Choose a day');
  const days = page.locator('ul.choices a');
  let day = null;
  for (let i = 0; i < await days.count(); i++) {
    const href = await days.nth(i).getAttribute('href');
    if (new URL(href, origin).searchParams.get('day') >= minDay) { day = days.nth(i); break; }
  }
  assert.ok(day, `no day on or after ${minDay} is offered`);
  await follow(page, day);
  assert.equal(await h1(page), 'Choose a time');
  await follow(page, page.locator('ul.choices a').first());
  assert.equal(await h1(page), 'Confirm your booking');
  await follow(page, page.getByRole('button', { name: 'Book this session' }));
  assert.equal(await h1(page), 'You are booked');
  const code = squash(await page.locator('#booking-code').innerText());
  assert.match(code, BOOKING_RE);
  assert.equal(await summary(page, 'Service'), SERVICE);
  assert.equal(await summary(page, 'To pay'), '90.00 EUR, with a voucher or at the desk');
  await shot(page, `${prefix}-done`);
  return { code, ref: await summary(page, 'Reference'), when: await summary(page, 'When') };
}

// ---- tests -----------------------------------------------------------------

test('the desk sells a 90.00 and a 30.00 EUR voucher', async () => {
  const services = (await request(server, 'GET', '/api/v1/services')).json.services;
  const svc = services.find((s) => s.name === SERVICE);
  assert.ok(svc, `the demo clinic has no "${SERVICE}"`);
  assert.equal(svc.price_cents, 9000);
  assert.equal(svc.currency, 'EUR');

  const desk = new StaffClient(server, demo.by.desk);
  await desk.loginOk();
  const sold = [];
  for (const value of [9000, 3000]) {
    const r = await desk.post('/api/v1/staff/vouchers',
      { count: 1, value_cents: value, currency: 'EUR', valid_days: 30 });
    assert.equal(r.status, 201, `POST /api/v1/staff/vouchers: ${r.status} ${r.body}`);
    assert.equal(r.json.vouchers.length, 1);
    const v = r.json.vouchers[0];
    assert.match(v.code, VOUCHER_RE);
    assert.equal(v.value_cents, value);
    assert.equal(v.currency, 'EUR');
    assert.match(v.expires, /^\d{4}-\d\d-\d\d$/);
    sold.push(v);
  }
  [v90, v30] = sold;
  assert.notEqual(v90.code, v30.code);
});

test('the client books through the pages and pays with a typed 30.00 voucher, then the 90.00 one', async (t) => {
  if (!v90) { t.skip('the desk sold no vouchers'); return; }
  client = await watchedContext();
  const { page, w } = client;
  const b = await bookThroughPages(page, clinicDate(2), '1');

  // From the done page to the booking page, where the voucher field is.
  await follow(page, page.getByRole('link', { name: 'Pay with a voucher now' }));
  assert.equal(where(page), '/manage/booking');
  assert.equal(await summary(page, 'Status'), 'Booked');
  assert.equal(await summary(page, 'Reference'), b.ref);
  assert.equal(await summary(page, 'Paid'), '0.00 EUR');
  assert.equal(await summary(page, 'To pay'), '90.00 EUR');
  assert.equal(await page.locator('form[action="/manage/redeem"]').isVisible(), true);
  assert.equal(await page.getByRole('link', { name: 'Receipt' }).isVisible(), false,
    'an unpaid booking offers a receipt');

  // The 30.00 code as a person might type it off paper.
  const typed = v30.code.toLowerCase().replace(/-/g, ' ');
  assert.match(typed, /^[0-9a-z]{4}( [0-9a-z]{4}){4}$/);
  await page.locator('#voucher').fill(typed);
  await shot(page, '2-typed');
  await follow(page, page.getByRole('button', { name: 'Apply the voucher' }));
  assert.equal(where(page), '/manage/booking?done=paid');
  assert.equal(squash(await page.locator('p.notice').innerText()),
    'The voucher is applied. What is still due is shown below.');
  assert.equal(await summary(page, 'Status'), 'Booked');
  assert.equal(await summary(page, 'Paid'), '30.00 EUR');
  assert.equal(await summary(page, 'To pay'), '60.00 EUR');
  assert.equal(await page.locator('form[action="/manage/redeem"]').isVisible(), true,
    'the voucher form is gone while 60.00 EUR are still due');
  await shot(page, '3-paid-30');

  // One symbol of the 90.00 code wrong: refused at once, nothing paid.
  const wrong = typo(v90.code, 10);
  assert.notEqual(wrong, v90.code);
  await page.locator('#voucher').fill(wrong);
  const res = await follow(page, page.getByRole('button', { name: 'Apply the voucher' }), 400);
  assert.match(res.headers()['content-type'], /^text\/html\b/);
  assert.equal(await errorPage(page, '400 Bad Request'),
    'That voucher code has a typo; please check it and type it again.');
  assertNoCode(await page.content(), wrong, 'the typo page');
  await shot(page, '4-typo');
  await goto(page, '/manage/booking');
  assert.equal(await summary(page, 'Paid'), '30.00 EUR', 'the mistyped code paid something');
  assert.equal(await summary(page, 'To pay'), '60.00 EUR');

  // The 90.00 code as printed pays the rest and keeps 30.00.
  await page.locator('#voucher').fill(v90.code);
  await follow(page, page.getByRole('button', { name: 'Apply the voucher' }));
  assert.equal(where(page), '/manage/booking?done=paid');
  assert.equal(squash(await page.locator('p.notice').innerText()),
    'The voucher is applied. What is still due is shown below.');
  assert.equal(await summary(page, 'Paid'), '90.00 EUR');
  assert.equal(await summary(page, 'To pay'), '0.00 EUR');
  assert.equal(await page.locator('section[aria-labelledby="pay-h"]').isVisible(), false,
    'the "Pay with a voucher" section is still shown with nothing due');
  assert.equal(await page.locator('form[action="/manage/redeem"]').isVisible(), false,
    'the voucher form is still shown with nothing due');
  assert.equal(await page.getByRole('link', { name: 'Receipt' }).isVisible(), true, 'no link to the receipt');
  await shot(page, '5-paid-in-full');

  const api = (await apiBooking(b.code)).json;
  assert.equal(api.ref, b.ref);
  assert.equal(api.status, 'booked');
  assert.equal(api.paid_cents, 9000);
  assert.equal(api.due_cents, 0);
  assert.equal(api.currency, 'EUR');
  booked = b;
  paidInFull = true;
  assertClean(w, { reset: true });
});

test('the receipt: practice, both payments, 90.00 EUR, a blank name line, no booking code', async (t) => {
  if (!paidInFull) { t.skip('the payment test failed'); return; }
  const { page, w } = client;
  await goto(page, '/manage/booking');
  await follow(page, page.getByRole('link', { name: 'Receipt' }));
  assert.equal(where(page), '/manage/receipt');
  assert.equal(await h1(page), 'Receipt');
  const head = squash(await page.locator('.receipt > p').first().innerText());
  assert.equal(head, `${PRACTICE} ${ADDRESS} Tax number: ${TAX}`);
  assert.equal(squash(await page.locator('.receipt > p strong').first().innerText()), PRACTICE);
  assert.equal(squash(await page.locator('.receipt > p').nth(1).innerText()), `Date: ${clinicDate(0)}`);
  assert.equal(await summary(page, 'Reference'), booked.ref);
  assert.equal(await summary(page, 'Service'), SERVICE);
  assert.equal(await summary(page, 'Session'), booked.when);
  const rows = (await page.locator('table.money tbody tr').allInnerTexts()).map(squash);
  assert.deepEqual(rows, [
    `${clinicDate(0)} Paid with a voucher 30.00 EUR`,
    `${clinicDate(0)} Paid with a voucher 60.00 EUR`,
  ]);
  assert.equal(squash(await page.locator('table.money tfoot tr').innerText()), 'Total paid 90.00 EUR');
  assert.match(squash(await page.locator('p.nameline').innerText()), /^Received from: _{10,}$/,
    'the name line is not blank');
  const html = await page.content();
  assertNoCode(html, booked.code, 'the receipt');
  assertNoCode(html, v30.code, 'the receipt');
  assertNoCode(html, v90.code, 'the receipt');
  await shot(page, '6-receipt');
  assertClean(w, { reset: true });
});

test('/voucher in a fresh browser: the 90.00 voucher holds 30.00 EUR; a wrong code gets an error page', async (t) => {
  if (!paidInFull) { t.skip('the payment test failed'); return; }
  const { context, page, w } = await watchedContext();
  try {
    assert.deepEqual(await context.cookies(), []);
    await goto(page, '/');
    await follow(page, page.getByRole('link', { name: 'Check a voucher' }));
    assert.equal(where(page), '/voucher');
    assert.equal(await h1(page), 'Check a voucher');
    await page.locator('#code').fill(v90.code);
    await follow(page, page.getByRole('button', { name: 'Check' }));
    assert.equal(await h1(page), 'Your voucher');
    assert.equal(await summary(page, 'Status'), 'Valid');
    assert.equal(await summary(page, 'Balance'), '30.00 EUR');
    assert.equal(await summary(page, 'Valid until'), v90.expires);
    assertNoCode(await page.content(), v90.code, 'the balance page');
    await shot(page, '7-voucher-balance');

    // The 30.00 voucher is used up.
    await goto(page, '/voucher');
    await page.locator('#code').fill(v30.code);
    await follow(page, page.getByRole('button', { name: 'Check' }));
    assert.equal(await summary(page, 'Status'), 'Used up');
    assert.equal(await summary(page, 'Balance'), '0.00 EUR');

    // A well-formed code (right check symbol) that was never sold.
    const lookup = v90.code.replace(/-/g, '').slice(0, 6) === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ';
    const body = `${lookup}${'0123456789ABC'}`;
    const unknown = `${body}${checkSymbol(body)}`.match(/.{4}/g).join('-');
    await goto(page, '/voucher');
    await page.locator('#code').fill(unknown);
    const res = await follow(page, page.getByRole('button', { name: 'Check' }), 404);
    assert.match(res.headers()['content-type'], /^text\/html\b/);
    assert.equal(await errorPage(page, '404 Not Found'), 'There is no such voucher.');
    await shot(page, '8-voucher-unknown');

    // One wrong symbol.
    await goto(page, '/voucher');
    await page.locator('#code').fill(typo(v90.code, 15));
    await follow(page, page.getByRole('button', { name: 'Check' }), 400);
    assert.equal(await errorPage(page, '400 Bad Request'),
      'That voucher code has a typo; please check it and type it again.');
    assert.deepEqual(await context.cookies(), [], 'the public voucher pages set a cookie');
    assertClean(w, { reset: true });
  } finally {
    await context.close();
  }
});

test('the client cancels: a 90.00 EUR credit voucher shown once with its QR code; it pays a new booking', async (t) => {
  if (!paidInFull) { t.skip('the payment test failed'); return; }
  const { page, w } = client;
  await goto(page, '/manage/booking');
  await follow(page, page.getByRole('link', { name: 'Cancel this booking' }));
  assert.equal(where(page), '/manage/cancel');
  assert.equal(await h1(page), 'Cancel your booking?');
  assert.equal(await summary(page, 'When'), booked.when);
  await follow(page, page.getByRole('button', { name: 'Yes, cancel it' }));
  assert.equal(where(page), '/manage/cancel');
  assert.equal(await h1(page), 'Booking cancelled');
  assert.equal(squash(await page.locator('#credit-h').innerText()), 'Your credit voucher: 90.00 EUR');
  const credit = squash(await page.locator('#credit-code').innerText());
  assert.match(credit, VOUCHER_RE);
  assert.equal(await page.locator('#credit-code').getAttribute('data-code'), credit);
  assert.ok(![v30.code, v90.code].includes(credit), 'the credit is an old voucher');
  const box = squash(await page.locator('section.codebox').innerText());
  assert.ok(box.includes(`valid until ${clinicDate(365)}.`), `the credit's expiry: ${box}`);
  assert.match(squash(await page.locator('section.codebox p.warning').innerText()),
    /^Write this code down or save it now\. It is shown only this once;/);
  const svg = page.locator('.qr svg');
  assert.equal(await svg.count(), 1, 'the credit page has no inline <svg> QR code');
  assert.equal(await page.locator('.qr img').count(), 0);
  const png = artifact('client-pay-credit-qr.png');
  await svg.screenshot({ path: png });
  assert.equal(zbar(png), credit, 'the QR code does not decode to the printed credit code');
  await shot(page, '9-credit');

  // Shown once: neither the booking page nor the API shows it again.
  await goto(page, '/manage/booking');
  assert.equal(await h1(page), 'Your booking');
  assert.equal(await summary(page, 'Status'), 'Cancelled');
  assert.equal(await page.locator('#credit-code').count(), 0);
  assertNoCode(await page.content(), credit, 'the booking page after cancelling');
  await shot(page, '10-cancelled');
  const api = await apiBooking(booked.code);
  assert.equal(api.json.status, 'cancelled');
  assertNoCode(api.body, credit, 'GET /api/v1/booking after cancelling');

  // The credit pays a new booking, made through the pages.
  const b2 = await bookThroughPages(page, clinicDate(2), '11');
  assert.notEqual(b2.ref, booked.ref);
  await follow(page, page.getByRole('link', { name: 'Pay with a voucher now' }));
  assert.equal(await summary(page, 'Reference'), b2.ref);
  assert.equal(await summary(page, 'To pay'), '90.00 EUR');
  await page.locator('#voucher').fill(credit);
  await follow(page, page.getByRole('button', { name: 'Apply the voucher' }));
  assert.equal(where(page), '/manage/booking?done=paid');
  assert.equal(await summary(page, 'Paid'), '90.00 EUR');
  assert.equal(await summary(page, 'To pay'), '0.00 EUR');
  assert.equal(await page.locator('form[action="/manage/redeem"]').isVisible(), false);
  await shot(page, '12-paid-with-credit');
  const api2 = (await apiBooking(b2.code)).json;
  assert.equal(api2.paid_cents, 9000);
  assert.equal(api2.due_cents, 0);
  assertClean(w, { reset: true });
});
