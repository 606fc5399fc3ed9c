/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.HCB_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve(import.meta.dirname, '../screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Debian's chromium, headless, through playwright-core (no browser download). */
export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** The development sign-in, as a person fills it: tenant, then exactly these roles. */
export async function signIn(page: Page, base: string, tenant: string, roles: string[]): Promise<void> {
  await page.goto(base);
  await page.getByRole('textbox', { name: 'Tenant', exact: true }).fill(tenant);
  for (const role of ['admin', 'app', 'auditor', 'operator']) {
    const box = page.getByRole('checkbox', { name: new RegExp(`^${role} —`) });
    if (roles.includes(role)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Serious or critical accessibility violations on the page as it is now (rule id: how many nodes). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) });
}

/** True when the page is wider than the window: a layout break (tables scroll inside their own box). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

/**
 * The page has drawn its data: nothing says "Loading…" any more. (Not Playwright's `networkidle`: the
 * portal keeps the event stream open while signed in, so the network is never idle.)
 */
export async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('load');
  await page.waitForFunction(
    () => ![...document.querySelectorAll('[aria-live]')].some((e) => /Loading/.test(e.textContent ?? '')),
  );
  await page.waitForTimeout(300);
}
