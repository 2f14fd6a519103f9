// The client's booking pages in a real browser with JavaScript off
// (DESIGN.md invariant 6, issue 3), at a phone's width: book through the
// pages, read the code and the QR ticket off the done page (decoded with
// zbarimg and compared with the JSON API's BOOKING.ticket), get the .ics and
// the printable ticket; then, in a fresh browser with no cookies, open the
// booking with the code, move it and cancel it. No page loads anything from
// another origin or trips the Content-Security-Policy. Screenshots of every
// page go to SAFEROOM_ARTIFACTS (booking-*.png, any-*.png, manage-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ctlOk, startServer, request } from '../lib/harness.mjs';
import { launch, newContext, screenshot, watchPage, assertClean } from '../lib/browser.mjs';

const PHONE = { width: 390, height: 844 };
const PRACTICE = 'Demo Practice';
const SERVICE = 'Individual session';
const THERAPIST = 'Dr. Alex Rivera';
const TZ = 'Europe/Berlin';	// the demo clinic's zone
// Crockford base32, the alphabet of booking codes (include/saferoom/token.h).
const SYM = '[0-9A-HJKMNP-TV-Z]';
const CODE_RE = new RegExp(`^${SYM}{4}(-${SYM}{4}){8}$`);

let server;
let browser;
let origin;
let services;
let therapists;
/** What the first test booked, for the manage test. */
let booked = null;

before(async () => {
  server = await startServer({
    setup: (db) => {
      ctlOk(db, 'demo');
      ctlOk(db, 'settings', 'set', 'min_notice_minutes', '0');
    },
  });
  origin = new URL(server.url).origin;
  services = (await request(server, 'GET', '/api/v1/services')).json.services;
  therapists = (await request(server, 'GET', '/api/v1/therapists')).json.therapists;
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

// ---- helpers ---------------------------------------------------------------

function artifactsDir() {
  const dir = process.env.SAFEROOM_ARTIFACTS || path.join(os.tmpdir(), 'saferoom-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** YYYY-MM-DD of today + plusDays in the clinic's zone. */
function clinicDate(plusDays = 0) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: TZ }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plusDays);
  return d.toISOString().slice(0, 10);
}

/** "20261130T080000Z", as an .ics DTSTART. */
function icsTime(rfc3339) {
  return new Date(rfc3339).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();

/**
 * A JavaScript-less phone-sized browser context whose pages are watched:
 * every request must go to the server's origin, no console message may be
 * a CSP violation or an error, no asset may fail, and every HTML document
 * must be free of inline script.
 */
async function phoneContext() {
  const context = await newContext(browser, { javaScriptEnabled: false, viewport: PHONE });
  const page = await context.newPage();
  const w = watchPage(page, origin);
  return { context, page, w };
}

/** Screenshot, after checking the page fits the phone's width. */
async function shot(page, name) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await screenshot(page, name);
  assert.ok(width <= PHONE.width,
    `${name}: the page is ${width}px wide, wider than the ${PHONE.width}px phone`);
}

/** Clicks what locator names and waits for the page it leads to. */
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

/** The text of <dd> after <dt>LABEL</dt> in the page's dl.summary. */
async function summary(page, label) {
  const dd = page.locator(
    `xpath=//dl[contains(@class,"summary")]/dt[normalize-space()="${label}"]/following-sibling::dd[1]`);
  assert.equal(await dd.count(), 1, `the page has no "${label}" in its summary`);
  return squash(await dd.innerText());
}

async function h1(page) {
  return squash(await page.locator('h1').innerText());
}

/** The links of the page's ul.choices: [{text, href, label, note}]. */
async function choices(page) {
  const links = page.locator('ul.choices a');
  const out = [];
  for (let i = 0; i < await links.count(); i++) {
    const a = links.nth(i);
    const li = a.locator('xpath=..');
    out.push({
      link: a,
      label: squash(await a.innerText()),
      href: await a.getAttribute('href'),
      note: squash(await li.locator('.note').innerText().catch(() => '')),
    });
  }
  return out;
}

const param = (href, name) => new URL(href, origin).searchParams.get(name);

/** GET /api/v1/booking with the code: BOOKING. */
async function apiBooking(code) {
  const r = await request(server, 'GET', '/api/v1/booking', {
    headers: { Authorization: `Bearer ${code}` },
  });
  assert.equal(r.status, 200, `GET /api/v1/booking: ${r.status} ${r.body}`);
  return r.json;
}

/** The instants (ms) free for service and therapist on day, by the API. */
async function freeStarts(service, therapist, day) {
  const r = await request(server, 'GET',
    `/api/v1/slots?service=${service}&therapist=${therapist}&from=${day}&days=1`);
  assert.equal(r.status, 200, `GET /api/v1/slots: ${r.status} ${r.body}`);
  return r.json.slots.map((s) => Date.parse(s.start));
}

/** The text zbarimg reads from a PNG file (its one trailing newline dropped). */
function zbar(file) {
  const out = execFileSync('zbarimg', ['--raw', '-q', file], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.replace(/\n$/, '');
}

/**
 * Books through the pages from the home page. therapistLabel is a
 * therapist's name or "Any therapist"; minDay the earliest day to pick;
 * busiest picks the day with the most free times instead of the first.
 * prefix names the screenshots. Problems that need not stop the flow are
 * pushed to soft, for the test to assert at its end. Returns what the
 * pages showed.
 */
async function bookThroughPages(page, { therapistLabel, minDay, busiest = false, prefix, soft }) {
  await goto(page, '/');
  await shot(page, `${prefix}-1-home`);
  await follow(page, page.getByRole('link', { name: 'Book a session', exact: true }));
  assert.equal(new URL(page.url()).pathname, '/book');
  assert.equal(await h1(page), 'Choose a service');
  const svcLinks = await choices(page);
  assert.deepEqual(svcLinks.map((c) => c.label), services.map((s) => s.name),
    'the service step does not list the services the API lists');
  await shot(page, `${prefix}-2-services`);

  const service = services.find((s) => s.name === SERVICE);
  assert.ok(service, `the demo clinic has no "${SERVICE}"`);
  const svc = svcLinks.find((c) => c.label === SERVICE);
  assert.match(svc.note, new RegExp(`^${service.minutes} minutes, `));
  await follow(page, svc.link);
  assert.equal(await h1(page), 'Choose a therapist');
  assert.equal(squash(await page.locator('p.lead').innerText()), `For: ${SERVICE}`);
  const thLinks = await choices(page);
  assert.deepEqual(thLinks.map((c) => c.label),
    ['Any therapist', ...therapists.map((t) => t.display_name)]);
  await shot(page, `${prefix}-3-therapist`);

  const th = thLinks.find((c) => c.label === therapistLabel);
  await follow(page, th.link);
  assert.equal(await h1(page), 'Choose a day');
  assert.equal(squash(await page.locator('p.lead').innerText()), `${SERVICE} with ${therapistLabel}`);
  const days = await choices(page);
  assert.ok(days.length > 0, 'the day step offers no day');
  for (const d of days) assert.match(d.note, /^\d+ free times?$/, `day note ${d.note}`);
  await shot(page, `${prefix}-4-day`);

  const count = (d) => Number(/^\d+/.exec(d.note)[0]);
  const candidates = days.filter((d) => param(d.href, 'day') >= minDay);
  const day = busiest
    ? candidates.reduce((a, d) => (a === undefined || count(d) > count(a) ? d : a), undefined)
    : candidates[0];
  assert.ok(day, `no day on or after ${minDay} is offered: ${days.map((d) => d.label).join(', ')}`);
  const date = param(day.href, 'day');
  await follow(page, day.link);
  assert.equal(await h1(page), 'Choose a time');
  assert.equal(squash(await page.locator('p.lead').innerText()),
    `${SERVICE} with ${therapistLabel}, ${day.label}`);
  const times = await choices(page);
  if (times.length !== count(day)) {
    soft.push(`${therapistLabel}: the day step says "${day.label} ${day.note}" but the time step `
      + `for that day lists ${times.length} times`);
  }
  for (const t of times) assert.match(t.label, /^\d\d:\d\d$/);
  if (therapistLabel === 'Any therapist') {
    for (const t of times) {
      assert.ok(therapists.some((x) => x.display_name === t.note),
        `with "Any therapist" the time ${t.label} names no therapist: ${JSON.stringify(t.note)}`);
    }
  }
  await shot(page, `${prefix}-5-time`);

  const time = times[0];
  const start = param(time.href, 'start');
  const therapistId = Number(param(time.href, 'therapist'));
  const therapistName = therapists.find((t) => t.id === therapistId)?.display_name;
  assert.ok(therapistName, `the time link names an unknown therapist: ${time.href}`);
  if (therapistLabel !== 'Any therapist') assert.equal(therapistName, therapistLabel);
  assert.ok((await freeStarts(service.id, therapistId, date)).includes(Date.parse(start)),
    `the API does not list the slot ${start} the pages offer`);

  await follow(page, time.link);
  assert.equal(await h1(page), 'Confirm your booking');
  assert.equal(await summary(page, 'Service'), SERVICE);
  assert.equal(await summary(page, 'Therapist'), therapistName);
  const when = await summary(page, 'When');
  assert.ok(when.startsWith(`${day.label}, ${time.label}\u2013`), `confirm page "When": ${when}`);
  const form = page.locator('form[method="post"][action="/book"]');
  assert.equal(await form.count(), 1, 'the confirm page has no form posting to /book');
  assert.equal(await form.locator('input[name="service"]').getAttribute('value'), String(service.id));
  assert.equal(await form.locator('input[name="therapist"]').getAttribute('value'), String(therapistId));
  assert.equal(Date.parse(await form.locator('input[name="start"]').getAttribute('value')), Date.parse(start));
  await shot(page, `${prefix}-6-confirm`);

  await follow(page, form.getByRole('button', { name: 'Book this session' }));
  assert.equal(new URL(page.url()).pathname, '/book');
  assert.equal(await h1(page), 'You are booked');
  await shot(page, `${prefix}-7-done`);
  return { service, therapistId, therapistName, date, start, when };
}

// ---- tests -----------------------------------------------------------------

test('book through the pages without JavaScript; the done page shows the code and a ticket that decodes to BOOKING.ticket', async () => {
  const { context, page, w } = await phoneContext();
  try {
    // Two days ahead, so the booking can still be moved and cancelled.
    const soft = [];
    const b = await bookThroughPages(page,
      { therapistLabel: THERAPIST, minDay: clinicDate(2), prefix: 'booking', soft });

    // The code, shown once, grouped for reading.
    const codeEl = page.locator('#booking-code');
    assert.equal(await codeEl.count(), 1, 'the done page has no #booking-code');
    const code = squash(await codeEl.innerText());
    assert.match(code, CODE_RE, `the code is not 9 groups of 4: ${code}`);
    assert.equal(await codeEl.getAttribute('data-code'), code);
    const text = squash(await page.innerText('main'));
    assert.match(text, /shown only this once/i, 'the done page does not say the code is shown once');
    assert.match(text, /cannot (send it to you or )?recover it/i, 'the done page does not say the code cannot be recovered');
    assert.equal(await page.locator('button.copy').isVisible(), false,
      'the copy button shows although JavaScript is off');
    const ref = await summary(page, 'Reference');
    assert.equal(await summary(page, 'Service'), SERVICE);
    assert.equal(await summary(page, 'Therapist'), THERAPIST);
    assert.equal(await summary(page, 'When'), b.when);

    // The JSON API sees the same booking with that code.
    const api = await apiBooking(code);
    assert.equal(api.ref, ref);
    assert.equal(api.service, b.service.id);
    assert.equal(api.therapist, b.therapistId);
    assert.equal(api.status, 'booked');
    assert.equal(Date.parse(api.start), Date.parse(b.start));
    assert.equal(typeof api.ticket, 'string');
    assert.ok(!api.ticket.includes(code.replace(/-/g, '')), 'the ticket holds the code');
    assert.ok(!(await freeStarts(b.service.id, b.therapistId, b.date)).includes(Date.parse(b.start)),
      'the booked slot is still listed as free');

    // The inline SVG QR code decodes to the ticket.
    const svg = page.locator('.qr > svg');
    assert.equal(await svg.count(), 1, 'the done page has no inline <svg> QR code');
    assert.equal(await page.locator('img[src*="ticket"]').count(), 0);
    const svgShot = path.join(artifactsDir(), 'booking-ticket-inline.png');
    await svg.screenshot({ path: svgShot });
    assert.equal(zbar(svgShot), api.ticket, 'the inline QR code does not decode to BOOKING.ticket');

    // The ticket image, fetched with the page's cookie.
    assert.equal(await page.locator('a[href="/manage/ticket.png"]').count(), 1, 'no link to the ticket image');
    const png = await context.request.get(`${origin}/manage/ticket.png`);
    assert.equal(png.status(), 200);
    assert.equal(png.headers()['content-type'], 'image/png');
    const pngFile = path.join(artifactsDir(), 'booking-ticket.png');
    fs.writeFileSync(pngFile, await png.body());
    assert.equal(zbar(pngFile), api.ticket, 'ticket.png does not decode to BOOKING.ticket');

    // The calendar file: a neutral title, nothing about the practice.
    assert.equal(await page.locator('a[href="/manage/booking.ics"]').count(), 1, 'no link to the .ics');
    const ics = await context.request.get(`${origin}/manage/booking.ics`);
    assert.equal(ics.status(), 200);
    assert.match(ics.headers()['content-type'], /^text\/calendar\b/);
    const cal = await ics.text();
    assert.match(cal, /^BEGIN:VCALENDAR\r\n/);
    assert.match(cal, /\r\nSUMMARY:Appointment\r\n/);
    assert.ok(cal.includes(`\r\nDTSTART:${icsTime(api.start)}\r\n`), `DTSTART is not ${icsTime(api.start)}:\n${cal}`);
    assert.ok(cal.includes(`\r\nDTEND:${icsTime(api.end)}\r\n`), `DTEND is not ${icsTime(api.end)}:\n${cal}`);
    assert.ok(!cal.toLowerCase().includes(PRACTICE.toLowerCase()), `the .ics names the practice:\n${cal}`);
    assert.doesNotMatch(cal, /therap/i, `the .ics says "therap":\n${cal}`);
    for (const s of services) {
      assert.ok(!cal.toLowerCase().includes(s.name.toLowerCase()), `the .ics names the service ${s.name}:\n${cal}`);
    }
    assert.ok(!cal.includes(THERAPIST) && !cal.includes('Rivera'), `the .ics names the therapist:\n${cal}`);

    // The printable ticket.
    await follow(page, page.getByRole('link', { name: 'Printable ticket' }));
    assert.equal(new URL(page.url()).pathname, '/manage/ticket');
    assert.equal(await h1(page), 'Ticket');
    assert.equal(await summary(page, 'Reference'), ref);
    assert.equal(await summary(page, 'Status'), 'Booked');
    assert.equal(await page.locator('.qr > svg').count(), 1);
    await shot(page, 'booking-8-ticket-print');

    booked = { ...b, code, ref, api };
    assertClean(w);
    assert.deepEqual(soft, []);
  } finally {
    await context.close();
  }
});

test('book with "Any therapist" through the pages', async () => {
  const { context, page, w } = await phoneContext();
  try {
    // The busiest day: one where both therapists work, so that some times
    // are free with either of them.
    const soft = [];
    const b = await bookThroughPages(page,
      { therapistLabel: 'Any therapist', minDay: clinicDate(1), busiest: true, prefix: 'any', soft });
    const code = squash(await page.locator('#booking-code').innerText());
    assert.match(code, CODE_RE);
    if (booked) assert.notEqual(code, booked.code, 'two bookings got the same code');
    assert.equal(await summary(page, 'Therapist'), b.therapistName,
      'the done page does not name the therapist the time was with');
    const api = await apiBooking(code);
    assert.equal(api.ref, await summary(page, 'Reference'));
    assert.equal(api.therapist, b.therapistId);
    assert.equal(Date.parse(api.start), Date.parse(b.start));
    assertClean(w);
    assert.deepEqual(soft, [], 'the pages disagree about the number of free times');
  } finally {
    await context.close();
  }
});

test('manage with the code in a fresh browser: see, move and cancel the booking', async (t) => {
  if (!booked) { t.skip('the booking test failed'); return; }
  const { context, page, w } = await phoneContext();
  try {
    await goto(page, '/manage');
    assert.equal(await h1(page), 'Manage a booking');
    const typed = booked.code.toLowerCase().replace(/-/g, '');
    await page.locator('#code').fill(typed);
    await shot(page, 'manage-1-form');
    await follow(page, page.getByRole('button', { name: 'Open my booking' }));
    assert.equal(new URL(page.url()).pathname, '/manage/booking');
    assert.equal(await h1(page), 'Your booking');
    assert.equal(await summary(page, 'Status'), 'Booked');
    assert.equal(await summary(page, 'Reference'), booked.ref);
    assert.equal(await summary(page, 'When'), booked.when);
    await shot(page, 'manage-2-booking');

    // Move it.
    await follow(page, page.getByRole('link', { name: 'Move to another time' }));
    assert.equal(new URL(page.url()).pathname, '/manage/reschedule');
    assert.equal(await h1(page), 'Move your booking');
    const days = await choices(page);
    const day = days.find((d) => param(d.href, 'day') >= clinicDate(2));
    assert.ok(day, `no day two days ahead to move to: ${days.map((d) => d.label).join(', ')}`);
    const newDate = param(day.href, 'day');
    await shot(page, 'manage-3-reschedule-day');
    await follow(page, day.link);
    const times = (await choices(page)).filter((c) => Date.parse(param(c.href, 'start')) !== Date.parse(booked.start));
    assert.ok(times.length > 0, `no other time on ${day.label}`);
    for (const c of times) assert.match(c.label, /^\d\d:\d\d$/);
    await shot(page, 'manage-4-reschedule-time');
    const time = times[times.length - 1];
    const newStart = param(time.href, 'start');
    await follow(page, time.link);
    assert.equal(await h1(page), 'Confirm the new time');
    assert.equal(await summary(page, 'Now'), booked.when);
    const newWhen = await summary(page, 'New time');
    assert.ok(newWhen.startsWith(`${day.label}, ${time.label}\u2013`), `"New time": ${newWhen}`);
    await shot(page, 'manage-5-reschedule-confirm');
    await follow(page, page.getByRole('button', { name: 'Move my booking' }));
    assert.match(squash(await page.locator('p.notice').innerText()), /^Your booking is moved to the new time\./);
    assert.equal(await summary(page, 'Status'), 'Booked');
    assert.equal(await summary(page, 'Reference'), booked.ref);
    assert.equal(await summary(page, 'When'), newWhen);
    await shot(page, 'manage-6-moved');

    const moved = await apiBooking(booked.code);
    assert.equal(moved.ref, booked.ref);
    assert.equal(moved.status, 'booked');
    assert.notEqual(Date.parse(moved.start), Date.parse(booked.api.start), 'the API still has the old start');
    assert.equal(Date.parse(moved.start), Date.parse(newStart));
    assert.notEqual(moved.ticket, booked.api.ticket, 'the ticket did not change with the time');
    assert.ok((await freeStarts(booked.service.id, booked.therapistId, booked.date)).includes(Date.parse(booked.start)),
      'the old time is not free again after moving');
    assert.ok(!(await freeStarts(booked.service.id, booked.therapistId, newDate)).includes(Date.parse(newStart)),
      'the new time is still listed as free');

    // Cancel it.
    await follow(page, page.getByRole('link', { name: 'Cancel this booking' }));
    assert.equal(new URL(page.url()).pathname, '/manage/cancel');
    assert.equal(await h1(page), 'Cancel your booking?');
    assert.equal(await summary(page, 'When'), newWhen);
    await shot(page, 'manage-7-cancel');
    await follow(page, page.getByRole('button', { name: 'Yes, cancel it' }));
    assert.equal(await summary(page, 'Status'), 'Cancelled');
    assert.equal(await summary(page, 'Reference'), booked.ref);
    assert.match(squash(await page.locator('p.notice').innerText()), /^Your booking is cancelled\./);
    assert.equal(await page.getByRole('link', { name: 'Move to another time' }).isVisible(), false,
      'a cancelled booking still offers to move it');
    assert.equal(await page.getByRole('link', { name: 'Cancel this booking' }).isVisible(), false,
      'a cancelled booking still offers to cancel it');
    await shot(page, 'manage-8-cancelled');

    const cancelled = await apiBooking(booked.code);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.ref, booked.ref);
    assert.ok((await freeStarts(booked.service.id, booked.therapistId, newDate)).includes(Date.parse(newStart)),
      'the cancelled time is not free again');
    assertClean(w);
  } finally {
    await context.close();
  }
});

test('a wrong code or an empty form on /manage gives an error page, not a crash', async () => {
  const { context, page, w } = await phoneContext();
  try {
    // A well-formed code that was never given out.
    await goto(page, '/manage');
    await page.locator('#code').fill('ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789-ABCD');
    const res = await follow(page, page.getByRole('button', { name: 'Open my booking' }), 401);
    assert.match(res.headers()['content-type'], /^text\/html\b/);
    assert.equal(await h1(page), '401 Unauthorized');
    assert.equal(squash(await page.locator('main p').first().innerText()), 'The booking code is not valid.');
    assert.equal(await page.getByRole('link', { name: 'Back to the start page' }).count(), 1);
    await shot(page, 'manage-error-401');

    // Something that is not a code at all answers the same.
    await goto(page, '/manage');
    await page.locator('#code').fill('not a code');
    await follow(page, page.getByRole('button', { name: 'Open my booking' }), 401);
    assert.equal(squash(await page.locator('main p').first().innerText()), 'The booking code is not valid.');

    // An empty field: the browser itself does not send the form ...
    await goto(page, '/manage');
    await page.getByRole('button', { name: 'Open my booking' }).click();
    await page.waitForTimeout(300);
    assert.equal(new URL(page.url()).pathname, '/manage');
    assert.equal(await h1(page), 'Manage a booking');
    // ... and when it is sent anyway (the field's `required` taken out on
    // the way in), the server answers 400 with a page.
    await page.route(`${origin}/manage`, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const r = await route.fetch();
      const html = (await r.text()).replace(/\srequired(?=[\s>])/, '');
      return route.fulfill({ response: r, body: html });
    });
    await goto(page, '/manage');
    assert.equal(await page.locator('#code[required]').count(), 0);
    await follow(page, page.getByRole('button', { name: 'Open my booking' }), 400);
    assert.equal(await h1(page), '400 Bad Request');
    assert.equal(squash(await page.locator('main p').first().innerText()),
      'Please type the booking code you were given.');
    await shot(page, 'manage-error-400');
    await page.unroute(`${origin}/manage`);

    // No manage cookie: the manage pages send the client back to the form.
    await goto(page, '/manage/booking', 401);
    assert.match(squash(await page.locator('main p').first().innerText()), /enter your booking code again/);
    assertClean(w);
  } finally {
    await context.close();
  }
});
