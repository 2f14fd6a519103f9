// Browser helpers for tests/browser/: Debian's chromium driven by
// playwright-core (which downloads no browser of its own). Screenshots go to
// SAFEROOM_ARTIFACTS (set by ctest) so a failing page can be looked at.
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
