// The desk's payment pages (server/deskpay.c) in a real browser with
// JavaScript off (issue 5, "Tests"): the desk signs in, sells three vouchers
// and gets their sheet: three cards, each QR code decoding (zbarimg) to the
// code printed under it, the warning that the codes are shown once; printed
// to PDF it is A4 portrait with the cards on one page and the records on
// the next. Then the desk opens a booking, follows "Take payment", types a
// code from the sheet into the focused field and presses Enter as a scanner
// does, records cash with the change to give, and finds both in the daily
// report, which prints too. A second browser with JavaScript on sells once
// more through once.js. No page loads anything from another origin, trips
// the Content-Security-Policy, or is wider than a phone.
// Screenshots and PDFs (deskpay-*) go to SAFEROOM_ARTIFACTS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ctlDemo, ctlOk, startServer, request, reserveTotpStep, totpAt,
} from '../lib/harness.mjs';
import { launch, newContext, screenshot } from '../lib/browser.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const VOUCHER_RE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/;
const TZ = 'Europe/Berlin';

let server;
let browser;
let origin;
let demo;
/** The codes of the first sheet. */
let sheet = null;

before(async () => {
  server = await startServer({
    setup: (db) => {
      demo = ctlDemo(db);
      ctlOk(db, 'settings', 'set', 'min_notice_minutes', '0');
    },
  });
  origin = new URL(server.url).origin;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/* ---- helpers --------------------------------------------------------------------- */

const squash = (s) => s.replace(/\s+/g, ' ').trim();

function artifact(name) {
  const dir = process.env.SAFEROOM_ARTIFACTS || path.join(os.tmpdir(), 'saferoom-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

/** The text zbarimg reads from a PNG file. */
function zbar(file) {
  return execFileSync('zbarimg', ['--raw', '-q', file], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  }).replace(/\n$/, '');
}

/** A context whose pages must stay on the origin and log no error or CSP violation. */
async function watchedContext({ javaScriptEnabled = false } = {}) {
  const context = await newContext(browser, { javaScriptEnabled, viewport: DESKTOP });
  context.setDefaultTimeout(5000);
  context.setDefaultNavigationTimeout(15000);
  const page = await context.newPage();
  const w = { foreign: [], console: [], broken: [] };
  page.on('request', (r) => { if (!r.url().startsWith(`${origin}/`)) w.foreign.push(r.url()); });
  page.on('console', (m) => {
    // The browser notes any 4xx document (a refused form) and its try of /favicon.ico.
    if (/^Failed to load resource: the server responded with a status of/.test(m.text())) return;
    if (m.type() === 'error' || /content security policy|refused to/i.test(m.text())) w.console.push(m.text());
  });
  page.on('pageerror', (e) => w.console.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') w.broken.push(`${r.status()} ${r.url()}`);
  });
  return { context, page, w };
}

function assertClean(w) {
  assert.deepEqual(w.foreign, [], 'a page made a request to another origin');
  assert.deepEqual(w.console, [], 'a page logged an error (a CSP violation?)');
  assert.deepEqual(w.broken, [], 'an asset of a page did not load');
}

/** Screenshot at the desktop's and a phone's width; neither may scroll sideways. */
async function shot(page, name) {
  for (const [vp, suffix] of [[DESKTOP, ''], [PHONE, '-phone']]) {
    await page.setViewportSize(vp);
    await screenshot(page, `${name}${suffix}.png`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= vp.width, `${name}: the page is ${wide}px wide at ${vp.width}px`);
  }
  await page.setViewportSize(DESKTOP);
}

async function goto(page, urlPath, status = 200) {
  const res = await page.goto(`${server.url}${urlPath}`, { waitUntil: 'load' });
  assert.equal(res.status(), status, `${urlPath} answered ${res.status()}`);
  return res;
}

/** Clicks and waits for the page it leads to; its status must be status. */
async function follow(page, locator, status = 200) {
  assert.equal(await locator.count(), 1, `expected one ${locator}`);
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  assert.equal(res.status(), status, `${res.url()} answered ${res.status()}`);
  return res;
}

async function signIn(page, username) {
  const a = demo.by[username];
  await goto(page, '/staff/login');
  await page.fill('#username', a.username);
  await page.fill('#password', a.password);
  await page.fill('#totp', totpAt(a.totp_secret, await reserveTotpStep(server, a.username)));
  await follow(page, page.locator('button[type="submit"]'));
}

/** PDF facts: its pages' sizes in points. */
function pdfPages(file) {
  const text = fs.readFileSync(file).toString('latin1');
  return [...text.matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
}
const isA4Portrait = ([w, h]) => Math.abs(w - 595) < 2 && Math.abs(h - 842) < 2;

/** A booking of service through the API on the first free slot from tomorrow. */
async function book(service) {
  const from = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(Date.now() + 86400000));
  const slots = (await request(server, 'GET', `/api/v1/slots?service=${service}&from=${from}&days=14`)).json.slots;
  for (const s of slots) {
    const r = await request(server, 'POST', '/api/v1/bookings', { json: { service, therapist: s.therapist, start: s.start } });
    if (r.status === 201) return r.json.booking;
  }
  throw new Error('no free slot');
}

/* ---- the tests ---------------------------------------------------------------------- */

test('the desk sells three vouchers and prints their sheet: QR codes read as the codes, A4 portrait', async () => {
  const { context, page, w } = await watchedContext();
  try {
    await signIn(page, 'desk');
    await follow(page, page.locator('.staffbar a[href="/staff/vouchers"]'));
    assert.equal(squash(await page.locator('h1').innerText()), 'Vouchers');
    assert.equal(await page.locator('#lookup').isVisible(), false, 'the desk sees the void form');
    await shot(page, 'deskpay-vouchers');
    await page.fill('#count', '3');
    await page.fill('#value', '45');
    await page.fill('#valid_days', '90');
    await page.fill('#tag', 'Browser test');
    await page.check('input[name="method"][value="card"]');
    await follow(page, page.locator('form[action="/staff/vouchers"] button[type="submit"]'));
    assert.equal(squash(await page.locator('h1').innerText()), '3 vouchers of 45.00 EUR');
    assert.match(squash(await page.locator('.codebox').innerText()), /These codes are shown this once/);
    const cards = page.locator('li.vcard');
    assert.equal(await cards.count(), 3);
    sheet = [];
    for (let i = 0; i < 3; i++) {
      const card = cards.nth(i);
      const code = squash(await card.locator('.vc-code').innerText());
      assert.match(code, VOUCHER_RE);
      assert.equal(squash(await card.locator('.vc-value').innerText()), '45.00 EUR');
      assert.equal(squash(await card.locator('.vc-practice').innerText()), 'Demo Practice');
      assert.match(squash(await card.locator('.vc-expires').innerText()), /^Valid until \d{1,2} [A-Z][a-z]+ \d{4}$/);
      assert.ok(!(await card.innerText()).includes('Browser test'), 'the staff-only note is on a card');
      const png = artifact(`deskpay-qr-${i + 1}.png`);
      await card.locator('.vc-qr svg').screenshot({ path: png });
      assert.equal(zbar(png), code, `the QR code of card ${i + 1} does not read as its code`);
      sheet.push(code);
    }
    assert.equal(new Set(sheet).size, 3);
    const records = await page.locator('.vrecord tbody tr').allInnerTexts();
    assert.equal(records.length, 3);
    records.forEach((r, i) => assert.ok(r.includes(sheet[i].slice(0, 7)), `record ${i + 1}: ${r}`));
    await shot(page, 'deskpay-sheet');
    // On paper: A4 portrait, the three cards on the first page, the records on the second.
    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'deskpay-sheet-print.png');
    assert.equal(await page.locator('.sheethead').isVisible(), false, 'the warning is printed');
    assert.equal(await page.locator('.staffbar').isVisible(), false, 'the staff bar is printed');
    await page.emulateMedia({ media: null });
    const pdf = artifact('deskpay-sheet.pdf');
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    const pages = pdfPages(pdf);
    assert.equal(pages.length, 2, `the sheet prints on ${pages.length} pages`);
    assert.ok(pages.every(isA4Portrait), `not A4 portrait: ${JSON.stringify(pages)}`);
    assertClean(w);
  } finally {
    await context.close();
  }
});

test('the desk takes a voucher from the sheet and cash with change; the daily report shows both', async (t) => {
  if (!sheet) { t.skip('the sheet test failed'); return; }
  const b = await book(2);
  const { context, page, w } = await watchedContext();
  try {
    await signIn(page, 'desk');
    await goto(page, `/staff/booking?ref=${b.ref}`);
    await follow(page, page.locator('a[href^="/staff/pay?ref="]'));
    assert.equal(new URL(page.url()).pathname, '/staff/pay');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'code', 'the code field has no focus');
    await shot(page, 'deskpay-pay');
    // As a USB scanner: type into the focused field, then Enter.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
      page.keyboard.type(`${sheet[0]}\n`)]);
    assert.match(squash(await page.locator('p.notice').innerText()), /^The voucher is taken\. Still due: 45\.00 EUR$/);
    assert.equal(await page.inputValue('#amount'), '45.00');
    await shot(page, 'deskpay-pay-voucher');
    await page.fill('#tendered', '50');
    await follow(page, page.locator('form[action="/staff/pay/desk"] button[type="submit"]'));
    assert.equal(squash(await page.locator('.result.change h2').innerText()), 'Give back 5.00 EUR');
    assert.equal(squash(await page.locator('p.nothing').innerText()), 'The session is paid in full.');
    await shot(page, 'deskpay-pay-cash');

    await follow(page, page.locator('.staffbar a[href="/staff/report"]'));
    const totals = (await page.locator('table.money').first().locator('tbody tr').allInnerTexts()).map(squash);
    assert.deepEqual(totals, ['Cash 1 45.00 EUR', 'Card 3 135.00 EUR', 'Voucher redemptions 1 45.00 EUR']);
    const open = (await page.locator('table.money').nth(2).locator('tbody tr').allInnerTexts()).map(squash);
    assert.deepEqual(open, ['EUR 2 90.00 EUR']);
    await shot(page, 'deskpay-report');
    const pdf = artifact('deskpay-report.pdf');
    await page.pdf({ path: pdf, preferCSSPageSize: true });
    assert.ok(pdfPages(pdf).every(isA4Portrait), 'the report does not print A4 portrait');
    assertClean(w);
  } finally {
    await context.close();
  }
});

test('with JavaScript on, once.js lets the sheet form through once', async () => {
  const { context, page, w } = await watchedContext({ javaScriptEnabled: true });
  try {
    await signIn(page, 'admin');
    await goto(page, '/staff/vouchers');
    assert.equal(await page.locator('#lookup').isVisible(), true, 'the admin does not see the void form');
    await page.fill('#count', '1');
    await page.fill('#value', '10');
    await follow(page, page.locator('form[action="/staff/vouchers"] button[type="submit"]'));
    assert.equal(await page.locator('li.vcard').count(), 1);
    assertClean(w);
  } finally {
    await context.close();
  }
});
