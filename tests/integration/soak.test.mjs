// Issue 6, soak: the short form of tests/bench/soak.sh that CI runs. One
// minute of the same mixed load (client and staff traffic, wrk bursts, slow
// clients) against the saferoomd under test; the server's memory must be
// flat after the warm-up and its open files back to the idle count at the
// end. The ten-minute run is `bash tests/bench/soak.sh` by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { saferoomd, saferoomctl, tempDir } from '../lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, '..', 'bench', 'soak.sh');

test('one minute of mixed load: memory and open files flat', async () => {
  const work = tempDir('soak-');
  const dir = process.env.SAFEROOM_ARTIFACTS;
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const csv = path.join(dir || work, 'soak.csv');
  const r = await new Promise((resolve, reject) => {
    const p = spawn('bash', [script, '--minutes', '1', '--csv', csv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SAFEROOMD: saferoomd(), SAFEROOMCTL: saferoomctl(), TMPDIR: work },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
  console.log(r.out);
  if (dir) fs.writeFileSync(path.join(dir, 'soak.txt'), r.out + r.err);
  assert.match(r.out, /^rss +start/m, `soak.sh printed no figures (exit ${r.code}):\n${r.out}\n${r.err}`);
  assert.match(r.out, /^verdict: flat$/m, `${r.out}\n${r.err}`);
  assert.equal(r.code, 0, r.err);
});
