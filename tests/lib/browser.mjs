// Browser helpers for tests/browser/: Debian's chromium driven by
// playwright-core (which downloads no browser of its own). Screenshots go to
// SAFEROOM_ARTIFACTS (set by ctest) so a failing page can be looked at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.SAFEROOM_CHROMIUM || '/usr/bin/chromium';

/** Starts a headless chromium. Close it with browser.close(). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu',
      '--disable-background-networking', '--disable-quic', '--no-first-run',
      '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context (no cookies, no cache). javaScriptEnabled false
 * tests the pages that must work without JavaScript. The test certificate
 * is self-signed, hence ignoreHTTPSErrors.
 */
export function newContext(browser, { javaScriptEnabled = true, ...rest } = {}) {
  return browser.newContext({ javaScriptEnabled, ignoreHTTPSErrors: true, ...rest });
}

/** Saves a full-page PNG of page as NAME(.png); returns its path. */
export async function screenshot(page, name) {
  const dir = process.env.SAFEROOM_ARTIFACTS || path.join(os.tmpdir(), 'saferoom-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, type: 'png' });
  return file;
}

/**
 * Watch a page for what no saferoom page may do: a request to another
 * origin, a console error or CSP violation, an asset that fails, an HTML
 * document with inline script or event handlers, or one served without a
 * strict script-src. Returns the lists assertClean() checks. Error pages a
 * test asks for (4xx documents) are fine; failing assets are not.
 */
export function watchPage(page, origin) {
  const w = { foreign: [], console: [], broken: [], inline: [], csp: [], documents: [] };
  page.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`)) w.foreign.push(r.url());
  });
  page.on('console', (m) => {
    // "Failed to load resource" is the browser's note of any 4xx: error
    // pages a test asks for, and chromium's own try of /favicon.ico.
    if (/^Failed to load resource: the server responded with a status of/.test(m.text())) return;
    if (m.type() === 'error' || /content security policy|refused to/i.test(m.text())) {
      w.console.push(`${m.type()}: ${m.text()} (${m.location()?.url})`);
    }
  });
  page.on('pageerror', (e) => w.console.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => w.broken.push(`failed ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', async (r) => {
    const req = r.request();
    if (r.status() >= 400 && req.resourceType() !== 'document') w.broken.push(`${r.status()} ${r.url()}`);
    if (req.resourceType() !== 'document' || !/^text\/html/.test(r.headers()['content-type'] || '')) return;
    const csp = r.headers()['content-security-policy'] || '';
    if (!/(^|;)\s*script-src 'self'\s*(;|$)/.test(csp) || /unsafe-inline/.test(csp)) {
      w.csp.push(`${r.url()}: ${csp}`);
    }
    let html;
    try { html = await r.text(); } catch { return; }	// a redirect has no body
    w.documents.push(r.url());
    for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) {
      if (!/\bsrc\s*=/.test(m[0].slice(0, m[0].indexOf('>'))) || m[1].trim() !== '') {
        w.inline.push(`${r.url()}: ${m[0].slice(0, 120)}`);
      }
    }
    for (const m of html.matchAll(/<[a-z][^>]*\s(on[a-z]+\s*=|href\s*=\s*["']?\s*javascript:)[^>]*>/gi)) {
      w.inline.push(`${r.url()}: ${m[0].slice(0, 120)}`);
    }
  });
  return w;
}

/** The checks of watchPage(); with reset, the lists start empty again. */
export function assertClean(w, { reset = false } = {}) {
  assert.deepEqual(w.foreign, [], 'a page made a request to another origin');
  assert.deepEqual(w.console, [], 'a page logged an error (a CSP violation?)');
  assert.deepEqual(w.broken, [], 'an asset of a page did not load');
  assert.deepEqual(w.inline, [], 'a page has inline script');
  assert.deepEqual(w.csp, [], 'a page came without a strict script-src');
  assert.ok(w.documents.length > 0, 'no page was looked at');
  if (reset) for (const k of Object.keys(w)) w[k].length = 0;
}
