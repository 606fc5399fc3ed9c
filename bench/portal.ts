/**
 * `npm run bench:portal`: the admin portal's initial JavaScript (gzip: the entry script and the chunks
 * index.html preloads, not the ones loaded on demand) and its time to interactive in headless Chromium
 * against the shipped `npm start` process, median of 5 fresh browser contexts (no cache).
 *
 * Time to interactive here: from navigation start to the overview's targets table rendered after the
 * development sign-in, submitted by the script as soon as the form is usable — page load, config.json,
 * the sign-in round trip and the first API reads included. Also the time until the sign-in form is usable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { spawnBroker } from '../test/e2e/spawned-broker.ts';
import { machine } from './stats.ts';

const DIST = resolve(import.meta.dirname, '../portal/dist');
const RUNS = 5;

if (!existsSync(resolve(DIST, 'index.html')))
  throw new Error('portal not built: npm --prefix portal run build');
const html = readFileSync(resolve(DIST, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
const gzipBytes = initial.reduce((sum, file) => sum + gzipSync(readFileSync(resolve(DIST, file))).length, 0);

const broker = await spawnBroker();
const browser = await chromium.launch({ executablePath: process.env.HCB_CHROMIUM ?? '/usr/bin/chromium' });
const formReady: number[] = [];
const overview: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(broker.base);
    const tenant = page.getByRole('textbox', { name: 'Tenant', exact: true });
    await tenant.waitFor();
    formReady.push(await page.evaluate(() => performance.now()));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('main table tbody tr').first().waitFor();
    overview.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
} finally {
  await browser.close();
  await broker.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
process.stdout.write(
  [
    `machine: ${machine()}`,
    `initial JS: ${initial.join(', ')} — ${(gzipBytes / 1024).toFixed(1)} KiB gzip (target < 250 KB)`,
    `sign-in form usable: median ${median(formReady).toFixed(0)} ms of ${RUNS} (${formReady.map((x) => x.toFixed(0)).join(', ')})`,
    `overview interactive (incl. sign-in): median ${median(overview).toFixed(0)} ms of ${RUNS} (${overview.map((x) => x.toFixed(0)).join(', ')}) (target < 1500 ms)`,
    '',
  ].join('\n'),
);
process.exit(0);
