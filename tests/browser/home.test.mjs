// The home page in a real browser with JavaScript off (DESIGN.md invariant
// 6): it lists the services the API lists, says in plain words that nothing
// identifying a client is stored, and loads nothing from another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ctlOk, startServer, request } from '../lib/harness.mjs';
import { launch, newContext, screenshot } from '../lib/browser.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ setup: (db) => ctlOk(db, 'demo') });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('/ without JavaScript shows the services and what is stored', async () => {
  const services = (await request(server, 'GET', '/api/v1/services')).json.services;
  assert.ok(services.length > 0, 'the demo clinic has no services');

  const context = await newContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  const origin = new URL(server.url).origin;
  const foreign = [];
  const broken = [];
  page.on('response', (r) => { if (r.status() >= 400) broken.push(`${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => broken.push(`failed ${r.url()}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(`${origin}/`) && !u.startsWith('data:')) foreign.push(u);
  });
  try {
    const res = await page.goto(`${server.url}/`, { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    await screenshot(page, 'home.png');

    const text = (await page.innerText('body')).replace(/\s+/g, ' ');
    for (const sv of services) {
      assert.ok(text.includes(sv.name), `the page does not show the service ${JSON.stringify(sv.name)}`);
    }
    assert.match(text,
      /\b(nothing|no (data|information|details?|record))\b[^.]{0,120}\bidentif|\bno(t| )\b[^.]{0,40}\b(name|e-?mail|phone)/i,
      `the page does not say that nothing identifying is stored: ${text.slice(0, 600)}`);
    assert.ok(foreign.length === 0, `the page loaded from other origins: ${foreign.join(' ')}`);
    assert.deepEqual(broken, [], 'an asset of the page did not load');
  } finally {
    await context.close();
  }
});
