// The staff's pages in a real browser with JavaScript off (issue 4, "Tests"):
// a client books with Dr. Alex Rivera through the client pages and keeps the
// ticket decoded from /manage/ticket.png; the therapist signs in with a TOTP
// code computed here, finds the booking in the week view (time, service, the
// pseudonymous label; never the client's code or ticket) and adds and
// removes hours, checked through GET /api/v1/slots; the desk signs in,
// "scans" the ticket the way a USB scanner does (types it into the focused
// field, then Enter), checks the client in, and sees a second scan (409) and
// a forged ticket (400) refused with a message on the desk page itself; the
// admin finds the check-in in the audit log; everyone signs out. No page
// loads anything from another origin or trips the Content-Security-Policy.
// Screenshots (staff-*.png) go to SAFEROOM_ARTIFACTS: every page at
// 1280x900, the desk also at 390x844.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ctlDemo, startServer, request, reserveTotpStep, totpAt, STAFF_COOKIE,
} from '../lib/harness.mjs';
import { launch, newContext, screenshot, watchPage, assertClean } from '../lib/browser.mjs';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const TZ = 'Europe/Berlin';	// the demo clinic's zone
const SERVICE = 'Individual session';
const SERVICE_ID = 2;
const SERVICE_MINUTES = 50;
const THERAPIST = 'Dr. Alex Rivera';
const THERAPIST_ID = 2;
const THERAPIST_USER = 'rivera';
// The demo's weekly hours of rivera (saferoomctl demo), in the order the
// hours page lists them (by weekday, then start).
const RIVERA_HOURS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']
  .flatMap((d) => [[d, '09:00', '12:30'], [d, '13:30', '17:00']]);
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const TICKET_RE = /^SR1:([^:]+):(\d+):([^:]+):([A-Z2-7]+)$/;

let server;
let browser;
let origin;
let demo;	// ctlDemo(): the staff logins
/** What the client booked: {ref, code, ticket, api, when, span, label, day}. */
let booked = null;
/** The clinic's day label when this file began. */
let startedOn;
/** Signed-in staff contexts by username, for the sign-out test. */
const signedIn = new Map();

before(async () => {
  startedOn = todayLabel();
  server = await startServer({ setup: (db) => { demo = ctlDemo(db); } });
  origin = new URL(server.url).origin;
  browser = await launch();
});

after(async () => {
  for (const s of signedIn.values()) await s.context.close().catch(() => {});
  if (browser) await browser.close();
  if (server) await server.stop();
});

// ---- helpers ---------------------------------------------------------------

const squash = (s) => s.replace(/\s+/g, ' ').trim();

function artifactsDir() {
  const dir = process.env.SAFEROOM_ARTIFACTS || path.join(os.tmpdir(), 'saferoom-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** YYYY-MM-DD of today + plusDays in the clinic's zone. */
function clinicDate(plusDays = 0) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
  return addDays(today, plusDays);
}

function addDays(date, n) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** ISO weekday of a YYYY-MM-DD: 1 Monday .. 7 Sunday. */
function isoWeekday(date) {
  return ((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

const mondayOf = (date) => addDays(date, 1 - isoWeekday(date));

/** The first date on or after date that is ISO weekday wd. */
const nextWeekday = (date, wd) => addDays(date, (wd - isoWeekday(date) + 7) % 7);

/** An instant in the clinic's zone: {date, dayLabel "Monday 30 November 2026", hhmm, weekday, day, month}. */
function local(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date(ms));
  return {
    date,
    dayLabel: `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`,
    hhmm: `${parts.hour}:${parts.minute}`,
    hour: Number(parts.hour),
    weekday: parts.weekday,
    day: Number(parts.day),
    month: parts.month,
  };
}

/** The desk's "Today, ..." label of the clinic's today. */
function todayLabel() { return local(Date.now()).dayLabel; }

/**
 * A JavaScript-less browser context whose pages are watched: every request
 * must go to the server's origin, no console message may be a CSP violation
 * or an error, no asset may fail, every HTML document must come with a
 * strict script-src and be free of inline script.
 */
async function watchedContext(viewport = DESKTOP) {
  const context = await newContext(browser, { javaScriptEnabled: false, viewport });
  // A missing element fails in seconds, not after the default 30 s.
  context.setDefaultTimeout(5000);
  context.setDefaultNavigationTimeout(15000);
  const page = await context.newPage();
  const w = watchPage(page, origin);
  return { context, page, w };
}

/** Screenshot at 1280x900 and, with phone, also at 390x844 (NAME-phone). */
async function shot(page, name, { phone = false } = {}) {
  await page.setViewportSize(DESKTOP);
  await screenshot(page, `${name}.png`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= DESKTOP.width, `${name}: the page is ${wide}px wide at ${DESKTOP.width}px`);
  if (!phone) return;
  await page.setViewportSize(PHONE);
  try {
    await screenshot(page, `${name}-phone.png`);
    const narrow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(narrow <= PHONE.width,
      `${name}: the page is ${narrow}px wide, wider than the ${PHONE.width}px phone`);
  } finally {
    await page.setViewportSize(DESKTOP);
  }
}

/** Clicks what locator names and waits for the page it leads to (after redirects). */
async function follow(page, locator, status = 200) {
  assert.equal(await locator.count(), 1, `expected one ${locator}`);
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  assert.ok(res, `clicking ${locator} loaded no page`);
  assert.equal(res.status(), status, `${res.url()} answered ${res.status()}`);
  return res;
}

async function goto(page, urlPath, status = 200) {
  const res = await page.goto(`${server.url}${urlPath}`, { waitUntil: 'load' });
  assert.equal(res.status(), status, `${urlPath} answered ${res.status()}`);
  return res;
}

const h1 = async (page) => squash(await page.locator('h1').innerText());
const pathOf = (page) => new URL(page.url()).pathname;
const searchOf = (page) => new URL(page.url()).search;

/** The text of <dd> after <dt>LABEL</dt> in the page's (or scope's) dl.summary. */
async function summary(scope, label) {
  const dd = scope.locator(
    `xpath=.//dl[contains(@class,"summary")]/dt[normalize-space()="${label}"]/following-sibling::dd[1]`);
  assert.equal(await dd.count(), 1, `no "${label}" in the summary`);
  return squash(await dd.innerText());
}

/** The rows of a table body as arrays of squashed cell texts. */
async function tableRows(rows) {
  const out = [];
  for (let i = 0; i < await rows.count(); i++) {
    const cells = rows.nth(i).locator('td, th');
    const row = [];
    for (let j = 0; j < await cells.count(); j++) row.push(squash(await cells.nth(j).innerText()));
    out.push(row);
  }
  return out;
}

/** name of document.activeElement, or its tag when it has none. */
const focused = (page) => page.evaluate(() => {
  const e = document.activeElement;
  return e ? (e.getAttribute('name') || e.tagName.toLowerCase()) : null;
});

/** The text zbarimg reads from a PNG file (its one trailing newline dropped). */
function zbar(file) {
  const out = execFileSync('zbarimg', ['--raw', '-q', file], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.replace(/\n$/, '');
}

/** GET /api/v1/booking with the client's code: BOOKING. */
async function apiBooking(code) {
  const r = await request(server, 'GET', '/api/v1/booking', {
    headers: { Authorization: `Bearer ${code}` },
  });
  assert.equal(r.status, 200, `GET /api/v1/booking: ${r.status} ${r.body}`);
  return r.json;
}

/** The free slots of rivera for the service on one day, by the public API. */
async function slotsOn(date) {
  const r = await request(server, 'GET',
    `/api/v1/slots?service=${SERVICE_ID}&therapist=${THERAPIST_ID}&from=${date}&days=1`);
  assert.equal(r.status, 200, `GET /api/v1/slots: ${r.status} ${r.body}`);
  return r.json.slots;
}

/**
 * Asserts that html (a page's source) holds none of the client's secrets:
 * the booking code in any spelling, the ticket or its signature.
 */
function assertNoSecrets(html, where) {
  const bare = booked.code.replace(/-/g, '');
  const lower = html.toLowerCase();
  assert.ok(!lower.includes(booked.code.toLowerCase()), `${where} shows the client's booking code`);
  assert.ok(!lower.includes(bare.toLowerCase()), `${where} shows the client's booking code (ungrouped)`);
  assert.ok(!html.includes(booked.ticket), `${where} shows the client's ticket`);
  assert.ok(!html.includes(booked.sig.slice(0, 24)), `${where} shows the ticket's signature`);
}

/**
 * Signs username in through /staff/login with a TOTP code computed here;
 * returns the first page after the sign-in (redirects followed).
 */
async function signIn(page, username, landing) {
  const account = demo.by[username];
  assert.ok(account, `the demo has no ${username}`);
  await goto(page, '/staff/login');
  assert.equal(await h1(page), 'Staff sign-in');
  assert.equal(await focused(page), 'username', 'the username field has no focus on load');
  await page.locator('#username').fill(account.username);
  await page.locator('#password').fill(account.password);
  const step = await reserveTotpStep(server, account.username);
  await page.locator('#totp').fill(totpAt(account.totp_secret, step));
  const res = await follow(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  assert.equal(pathOf(page), landing, `${username} landed on ${page.url()}`);
  const cookie = (await page.context().cookies()).find((c) => c.name === STAFF_COOKIE);
  assert.ok(cookie, `no ${STAFF_COOKIE} cookie after signing in`);
  assert.equal(cookie.secure, true);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/');
  // The staff bar says who is signed in.
  const me = await staffMe(cookie.value);
  assert.equal(me.username, username);
  assert.equal(squash(await page.locator('.staffbar .who strong').innerText()), me.display_name);
  if (username === THERAPIST_USER) assert.equal(me.display_name, THERAPIST);
  return res;
}

/** GET /api/v1/staff/me with a session cookie value: the member, or fails. */
async function staffMe(cookieValue) {
  const r = await request(server, 'GET', '/api/v1/staff/me', {
    headers: { Cookie: `${STAFF_COOKIE}=${cookieValue}` },
  });
  assert.equal(r.status, 200, `GET /api/v1/staff/me: ${r.status} ${r.body}`);
  return r.json;
}

/** The staff bar's links: [label, href] pairs. */
async function navLinks(page) {
  const a = page.locator('.staffbar .staffnav a');
  const out = [];
  for (let i = 0; i < await a.count(); i++) {
    out.push([squash(await a.nth(i).innerText()), await a.nth(i).getAttribute('href')]);
  }
  return out;
}

// ---- tests -----------------------------------------------------------------

test('a client books with Dr. Alex Rivera through the pages and keeps the QR ticket', async () => {
  const { context, page, w } = await watchedContext(PHONE);
  try {
    await goto(page, '/book');
    assert.equal(await h1(page), 'Choose a service');
    await follow(page, page.locator('ul.choices a', { hasText: SERVICE }));
    assert.equal(await h1(page), 'Choose a therapist');
    await follow(page, page.locator('ul.choices a').filter({ hasText: new RegExp(`^\\s*${THERAPIST}\\s*$`) }));
    assert.equal(await h1(page), 'Choose a day');
    // Two days ahead at least, and in a later week than this one, so that
    // the therapist gets there by the "Next week" link.
    const nextMonday = addDays(mondayOf(clinicDate(0)), 7);
    const minDay = clinicDate(2) > nextMonday ? clinicDate(2) : nextMonday;
    const days = page.locator('ul.choices a');
    let pick = null;
    for (let i = 0; i < await days.count() && !pick; i++) {
      const d = new URL(await days.nth(i).getAttribute('href'), origin).searchParams.get('day');
      if (d >= minDay) pick = days.nth(i);
    }
    assert.ok(pick, `no day on or after ${minDay} is offered`);
    await follow(page, pick);
    assert.equal(await h1(page), 'Choose a time');
    await follow(page, page.locator('ul.choices a').first());
    assert.equal(await h1(page), 'Confirm your booking');
    assert.equal(await summary(page, 'Therapist'), THERAPIST);
    await follow(page, page.getByRole('button', { name: 'Book this session' }));
    assert.equal(await h1(page), 'You are booked');

    const code = squash(await page.locator('#booking-code').innerText());
    const ref = await summary(page, 'Reference');
    const api = await apiBooking(code);
    assert.equal(api.ref, ref);
    assert.equal(api.therapist, THERAPIST_ID);
    assert.equal(api.service, SERVICE_ID);
    assert.equal(api.status, 'booked');
    assert.equal(api.due_cents, 9000);
    assert.equal(api.currency, 'EUR');
    assert.equal(Date.parse(api.end) - Date.parse(api.start), SERVICE_MINUTES * 60000);

    const png = await context.request.get(`${origin}/manage/ticket.png`);
    assert.equal(png.status(), 200);
    assert.equal(png.headers()['content-type'], 'image/png');
    const pngFile = path.join(artifactsDir(), 'staff-0-client-ticket.png');
    fs.writeFileSync(pngFile, await png.body());
    const ticket = zbar(pngFile);
    assert.equal(ticket, api.ticket, 'ticket.png does not decode to BOOKING.ticket');
    const m = TICKET_RE.exec(ticket);
    assert.ok(m, `the ticket is not SR1:REF:START:KID:SIG: ${ticket}`);
    assert.equal(m[1], ref);
    assert.equal(Number(m[2]) * 1000, Date.parse(api.start));

    const s = local(Date.parse(api.start));
    const e = local(Date.parse(api.end));
    assert.ok(s.date >= minDay);
    booked = {
      ref, code, ticket, sig: m[4], api,
      day: s.date,
      span: `${s.hhmm}\u2013${e.hhmm}`,
      when: `${s.dayLabel}, ${s.hhmm}\u2013${e.hhmm}`,
      start: s,
      label: `Client ${ref.slice(0, 4)}`,
    };
    assertClean(w);
  } finally {
    await context.close();
  }
});

test('the therapist signs in with TOTP, sees the booking in the week view and edits hours', async (t) => {
  if (!booked) { t.skip('the booking test failed'); return; }
  const { context, page, w } = await watchedContext();
  signedIn.set(THERAPIST_USER, { context, page, w });
  await signIn(page, THERAPIST_USER, '/staff/calendar');
  assert.deepEqual(await navLinks(page), [
    ['Calendar', '/staff/calendar'], ['Hours', '/staff/hours'], ['Account', '/staff/account'],
  ]);
  assert.equal(squash(await page.locator('p.lead').innerText()), THERAPIST);
  assert.equal(await page.locator('form.picker .pick-therapist').isVisible(), false,
    'a therapist is offered the therapist picker');
  // This week: today's column is marked.
  const thisMonday = mondayOf(clinicDate(0));
  assert.equal(await page.locator('#week').inputValue(), thisMonday);
  const todayHead = page.locator('table.calendar thead th.today');
  assert.equal(await todayHead.count(), 1, 'this week shows no column marked today');
  assert.equal(squash(await todayHead.locator('.tag').textContent()), 'Today');
  await shot(page, 'staff-1-therapist-this-week');

  // To the week of the booking by the "Next week" link.
  const want = mondayOf(booked.day);
  assert.ok(want > thisMonday && want <= addDays(thisMonday, 14), `the booking is in the week of ${want}`);
  const noSessions = page.locator('main > p', { hasText: /^\s*No sessions this week\.\s*$/ });
  assert.equal(await page.locator('table.calendar li.session').count(), 0, 'this week shows a session');
  assert.equal(await noSessions.count(), 1, 'this week does not say it has no sessions');
  for (let i = 0; i < 3 && (await page.locator('#week').inputValue()) !== want; i++) {
    const before = await page.locator('#week').inputValue();
    await follow(page, page.getByRole('link', { name: 'Next week \u2192' }));
    assert.equal(new URL(page.url()).searchParams.get('week'), addDays(before, 7));
  }
  assert.equal(await page.locator('#week').inputValue(), want);
  assert.equal(pathOf(page), '/staff/calendar');

  // The session: in its day's column and its hour's row, with its time,
  // service, label, status and money, and nothing about the client.
  assert.equal(await noSessions.count(), 0, 'the week of the booking says it has no sessions');
  const entries = page.locator('table.calendar li.session');
  assert.equal(await entries.count(), 1, 'the week does not show exactly the one booking');
  const entry = entries.first();
  assert.equal(squash(await entry.locator('.time').innerText()), booked.span);
  assert.equal(squash(await entry.locator('.label').innerText()), booked.label);
  assert.equal(squash(await entry.locator('.service').innerText()), SERVICE);
  assert.equal(squash(await entry.locator('.state').innerText()), 'Booked');
  assert.equal(squash(await entry.locator('.money').innerText()), 'due 90.00 EUR');
  assert.equal(await entry.locator('.who').innerText(), '', 'a therapist\'s own week names the therapist');
  assert.match(await entry.getAttribute('class'), /\bst-booked\b/);
  assert.equal(await entry.locator('a').getAttribute('href'), `/staff/booking?ref=${encodeURIComponent(booked.ref)}`);
  const where = await entry.evaluate((li) => {
    const td = li.closest('td');
    const table = li.closest('table');
    return {
      column: td.cellIndex,
      rowHead: td.parentElement.querySelector('th').textContent.trim(),
      colHead: table.tHead.rows[0].cells[td.cellIndex].textContent.replace(/\s+/g, ' ').trim(),
    };
  });
  assert.equal(where.column, isoWeekday(booked.day), 'the session is not in its day\'s column');
  assert.equal(where.rowHead, `${String(booked.start.hour).padStart(2, '0')}:00`, 'the session is not in its hour\'s row');
  assert.equal(where.colHead, `${booked.start.weekday.slice(0, 3)} ${booked.start.day} ${booked.start.month.slice(0, 3)}`);
  const weekHtml = await page.content();
  assertNoSecrets(weekHtml, 'the week view');
  assert.equal(squash(await page.locator('table.calendar caption').innerText()),
    `Sessions of ${THERAPIST}, ${await h1(page)}`);
  await shot(page, 'staff-2-therapist-week-with-booking');

  // The session's own page.
  await follow(page, entry.locator('a'));
  assert.equal(await h1(page), `Session of ${booked.label}`);
  assert.equal(await summary(page, 'Status'), 'Booked');
  assert.equal(await summary(page, 'When'), booked.when);
  assert.equal(await summary(page, 'Service'), SERVICE);
  assert.equal(await summary(page, 'Therapist'), THERAPIST);
  assert.equal(await summary(page, 'Reference'), booked.ref);
  assert.equal(await summary(page, 'Due'), '90.00 EUR');
  assertNoSecrets(await page.content(), 'the session page');
  await shot(page, 'staff-3-therapist-session');
  await follow(page, page.getByRole('link', { name: 'Back to the week of this session' }));
  assert.equal(await page.locator('#week').inputValue(), want);

  // Hours: add Saturday 09:00-11:00, see it listed and bookable, remove it.
  await follow(page, page.locator('.staffbar a[href="/staff/hours"]'));
  assert.equal(await h1(page), 'Working hours');
  assert.equal(squash(await page.locator('p.lead').innerText()), THERAPIST);
  const hourRows = page.locator('table.list.compact').first().locator('tbody tr');
  const listed = async () => (await tableRows(hourRows)).map((r) => r.slice(0, 3));
  assert.deepEqual(await listed(), RIVERA_HOURS);
  const saturday = nextWeekday(clinicDate(2), 6);
  assert.deepEqual(await slotsOn(saturday), [], `rivera has slots on ${saturday} before any Saturday hours`);
  await shot(page, 'staff-4-therapist-hours');

  const add = page.locator('form[action="/staff/hours"][method="post"]');
  await add.locator('select[name="weekday"]').selectOption({ label: 'Saturday' });
  await add.locator('input[name="from"]').fill('09:00');
  await add.locator('input[name="to"]').fill('11:00');
  await follow(page, add.getByRole('button', { name: 'Add hours' }));
  assert.equal(pathOf(page), '/staff/hours');
  assert.equal(searchOf(page), `?therapist=${THERAPIST_ID}&done=hours`);
  assert.equal(squash(await page.locator('p.notice').innerText()), 'The hours are added.');
  assert.deepEqual(await listed(), [...RIVERA_HOURS, ['Saturday', '09:00', '11:00']]);
  const slots = await slotsOn(saturday);
  assert.deepEqual(slots.map((s) => {
    const a = local(Date.parse(s.start));
    const b = local(Date.parse(s.end));
    return [a.date, a.hhmm, b.hhmm, s.therapist];
  }), [
    [saturday, '09:00', '09:50', THERAPIST_ID],
    [saturday, '09:30', '10:20', THERAPIST_ID],
    [saturday, '10:00', '10:50', THERAPIST_ID],
  ], `the API's slots on ${saturday} after adding Saturday 09:00-11:00`);
  await shot(page, 'staff-5-therapist-hours-added');

  await follow(page, page.getByRole('button', { name: 'Remove Saturday 09:00 to 11:00' }));
  assert.equal(searchOf(page), `?therapist=${THERAPIST_ID}&done=hours_removed`);
  assert.equal(squash(await page.locator('p.notice').innerText()), 'The hours are removed.');
  assert.deepEqual(await listed(), RIVERA_HOURS);
  assert.deepEqual(await slotsOn(saturday), [], `rivera still has slots on ${saturday} after the removal`);
  await shot(page, 'staff-6-therapist-hours-removed');
  assertClean(w);
});

test('the desk scans the ticket: checked in, then refused the second time and when forged', async (t) => {
  if (!booked) { t.skip('the booking test failed'); return; }
  const { context, page, w } = await watchedContext();
  signedIn.set('desk', { context, page, w });
  await signIn(page, 'desk', '/staff/desk');
  assert.deepEqual(await navLinks(page), [
    ['Calendar', '/staff/calendar'], ['Desk', '/staff/desk'], ['Vouchers', '/staff/vouchers'],
    ['Report', '/staff/report'], ['Account', '/staff/account'],
  ]);
  assert.equal(await h1(page), 'Desk');
  assert.equal(await focused(page), 'ticket', 'the ticket field has no focus on load');
  assert.equal(squash(await page.locator('#today-h').innerText()), `Today, ${todayLabel()}`);
  // The only booking is days ahead: nothing today.
  assert.equal(await page.locator('table.list').isVisible(), false);
  assert.equal(await page.locator('.result').isVisible(), false, 'a result shows before any scan');
  assert.equal(await page.locator('#scan-camera').isVisible(), false,
    'the camera button shows although JavaScript is off');
  await shot(page, 'staff-7-desk', { phone: true });

  const result = page.locator('.result');
  /** Types text into the focused field as a USB scanner does and presses Enter. */
  async function scan(text, status) {
    assert.equal(await focused(page), 'ticket', 'the ticket field has no focus before a scan');
    assert.equal(await page.locator('#ticket').inputValue(), '', 'the ticket field is not empty');
    const [res] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      (async () => { await page.keyboard.type(text); await page.keyboard.press('Enter'); })(),
    ]);
    assert.ok(res, 'Enter in the ticket field sent nothing');
    assert.equal(res.status(), status, `the scan answered ${res.status()}`);
    assert.equal(res.request().method(), 'POST');
    assert.equal(pathOf(page), '/staff/desk/checkin');
    assert.match(res.headers()['content-type'], /^text\/html\b/);
    // Not a bare error page: the desk, with its field ready for the next scan.
    assert.equal(await h1(page), 'Desk');
    assert.equal(await result.isVisible(), true, 'the scan shows no result');
    assert.equal(await focused(page), 'ticket', 'the ticket field has no focus after a scan');
    return res;
  }

  // The first scan checks the client in (on another day than today: said so).
  await scan(booked.ticket, 200);
  assert.equal(await result.getAttribute('role'), 'status');
  assert.match(await result.getAttribute('class'), /\bwarn\b/);
  assert.equal(squash(await result.locator('h3').innerText()), 'Checked in: not today\'s session');
  assert.equal(squash(await result.locator('p').first().innerText()),
    `Checked in, but note: this session is on ${booked.start.dayLabel}, not today.`);
  assert.equal(await summary(result, 'Therapist'), THERAPIST);
  assert.equal(await summary(result, 'Time'), booked.when);
  assert.equal(await summary(result, 'Service'), SERVICE);
  assert.equal(await summary(result, 'Client'), booked.label);
  assert.equal(await summary(result, 'To pay'), '90.00 EUR');
  assert.equal(await summary(result, 'Status'), 'Checked in');
  assert.equal(await result.getByRole('link', { name: 'Open this booking' }).getAttribute('href'),
    `/staff/booking?ref=${encodeURIComponent(booked.ref)}`);
  assertNoSecrets(await page.content(), 'the desk\'s check-in result');
  assert.equal((await apiBooking(booked.code)).status, 'checked_in');
  await shot(page, 'staff-8-desk-checked-in', { phone: true });

  // The second scan of the same ticket: 409, said clearly, nothing changed.
  await scan(booked.ticket, 409);
  assert.equal(await result.getAttribute('role'), 'alert');
  assert.match(await result.getAttribute('class'), /\bwarn\b/);
  assert.equal(squash(await result.locator('h3').innerText()), 'Already checked in');
  assert.equal(squash(await result.locator('p').first().innerText()),
    'This ticket was used already: the client is checked in. There is nothing more to do.');
  assert.equal(await summary(result, 'Therapist'), THERAPIST);
  assert.equal(await summary(result, 'Time'), booked.when);
  assert.equal(await summary(result, 'Status'), 'Checked in');
  await shot(page, 'staff-9-desk-already-in', { phone: true });

  // A forged ticket: one symbol in the middle of the signature changed.
  const i = booked.ticket.length - Math.floor(booked.sig.length / 2);
  const was = booked.ticket[i];
  const forged = booked.ticket.slice(0, i) + BASE32[(BASE32.indexOf(was) + 1) % 32] + booked.ticket.slice(i + 1);
  assert.notEqual(forged, booked.ticket);
  assert.equal(forged.length, booked.ticket.length);
  assert.equal(TICKET_RE.exec(forged)?.[1], booked.ref, 'the forged ticket is not well-formed');
  await scan(forged, 400);
  assert.equal(await result.getAttribute('role'), 'alert');
  assert.match(await result.getAttribute('class'), /\bbad\b/);
  assert.equal(squash(await result.locator('h3').innerText()), 'Not a valid ticket');
  assert.equal(squash(await result.locator('p').first().innerText()),
    'This is not a ticket of this practice, or it was not read completely. Scan it once more; '
    + 'if it fails again, find the session in today\'s list below.');
  assert.equal(await result.locator('dl.summary').isVisible(), false, 'a forged ticket shows a booking');
  assert.equal(await result.getByRole('link', { name: 'Open this booking' }).isVisible(), false);
  await shot(page, 'staff-10-desk-forged', { phone: true });

  // Something that is no ticket at all (a misread scan): refused the same way.
  await scan('SR1:HELLO', 400);
  assert.equal(await result.getAttribute('role'), 'alert');
  assert.equal(squash(await result.locator('h3').innerText()), 'Not a valid ticket');
  assert.equal(await result.locator('dl.summary').isVisible(), false);

  // The client's API sees the check-in, once.
  const api = await apiBooking(booked.code);
  assert.equal(api.status, 'checked_in');
  assert.equal(api.ref, booked.ref);
  assert.equal(api.start, booked.api.start);
  assertClean(w);
});

test('the admin finds the check-in with its booking reference in the audit log', async (t) => {
  if (!booked) { t.skip('the booking test failed'); return; }
  const { context, page, w } = await watchedContext();
  signedIn.set('admin', { context, page, w });
  await signIn(page, 'admin', '/staff');
  assert.deepEqual(await navLinks(page), [
    ['Overview', '/staff'], ['Calendar', '/staff/calendar'], ['Desk', '/staff/desk'],
    ['Vouchers', '/staff/vouchers'], ['Report', '/staff/report'],
    ['Hours', '/staff/hours'], ['Audit log', '/staff/audit'], ['Account', '/staff/account'],
  ]);
  await follow(page, page.locator('.staffbar a[href="/staff/audit"]'));
  assert.equal(pathOf(page), '/staff/audit');
  assert.equal(await h1(page), 'Audit log');
  const rows = await tableRows(page.locator('table.audit tbody tr'));
  assert.equal(squash(await page.locator('p.lead').innerText()),
    `The newest ${rows.length} entries, newest first. Times are the practice's.`);
  // Every entry is of today (or of the day the run began, past midnight).
  const days = new Set([startedOn, todayLabel()]);
  for (const r of rows) {
    assert.equal(r.length, 5);
    const m = /^(.*), (\d\d):(\d\d)$/.exec(r[0]);
    assert.ok(m && days.has(m[1]), `an entry not of today: ${r}`);
  }
  // Newest first: the admin's login, the desk's check-in, the desk's login,
  // rivera's hours removed and added and login.
  assert.deepEqual(rows.map((r) => r.slice(1, 4)), [
    ['admin', 'login', ''],
    ['desk', 'checkin', booked.ref],
    ['desk', 'login', ''],
    ['rivera', 'hours_delete', ''],
    ['rivera', 'hours_add', ''],
    ['rivera', 'login', ''],
  ]);
  const link = page.locator('table.audit tbody a', { hasText: booked.ref });
  assert.equal(await link.count(), 1);
  assert.equal(await link.getAttribute('href'), `/staff/booking?ref=${encodeURIComponent(booked.ref)}`);
  assertNoSecrets(await page.content(), 'the audit log');
  await shot(page, 'staff-11-admin-audit');

  // The booking itself, through the admin's eyes: checked in.
  await follow(page, link);
  assert.equal(await summary(page, 'Status'), 'Checked in');
  assert.equal(await summary(page, 'Reference'), booked.ref);
  assert.equal(await page.locator('section.panel').isVisible(), false,
    'a checked-in session still offers to change it');
  assertClean(w);
});

test('signing out ends the session: /staff then goes to /staff/login', async (t) => {
  if (signedIn.size === 0) { t.skip('nobody signed in'); return; }
  for (const [username, { page, w }] of signedIn) {
    const before = (await page.context().cookies()).find((c) => c.name === STAFF_COOKIE);
    assert.ok(before, `${username} has no session cookie`);
    await follow(page, page.locator('.staffbar form.logout').getByRole('button', { name: 'Sign out' }));
    assert.equal(pathOf(page), '/staff/login', `${username} signed out to ${page.url()}`);
    assert.equal(searchOf(page), '?done=out');
    assert.equal(squash(await page.locator('p.notice').innerText()), 'You are signed out.');
    assert.equal(await page.locator('.staffbar').count(), 0);
    const after = (await page.context().cookies()).find((c) => c.name === STAFF_COOKIE && c.value !== '');
    assert.equal(after, undefined, `${username}'s browser still has a session cookie`);
    if (username === 'admin') await shot(page, 'staff-12-signed-out');

    const res = await goto(page, '/staff');
    assert.equal(pathOf(page), '/staff/login', `/staff after signing out is ${page.url()}`);
    assert.equal(res.request().redirectedFrom()?.url(), `${origin}/staff`);
    assert.equal(await h1(page), 'Staff sign-in');

    // The old cookie opens nothing any more: the session ended on the server.
    const old = await request(server, 'GET', '/staff', { headers: { Cookie: `${STAFF_COOKIE}=${before.value}` } });
    assert.equal(old.status, 303);
    assert.equal(old.headers.location, '/staff/login');
    const me = await request(server, 'GET', '/api/v1/staff/me', { headers: { Cookie: `${STAFF_COOKIE}=${before.value}` } });
    assert.equal(me.status, 401);
    assertClean(w);
  }
});
