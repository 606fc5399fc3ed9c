/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reply, type SpawnedBroker, spawnBroker } from '../../test/e2e/spawned-broker.ts';
import {
  DESKTOP,
  launch,
  overflowsHorizontally,
  PHONE,
  screenshot,
  seriousViolations,
  settled,
  signIn,
} from './browser.ts';

const PORTAL = resolve(import.meta.dirname, '..');
const VM_NAME = 'phi-records-db';

/**
 * The admin portal in headless Chromium against the shipped `npm start` process: a PHI VM from the
 * wizard to `active`, stopped and deleted; the audit chain verified; every page free of serious
 * accessibility violations and unbroken at 1280×800 and 390×844; each role shown what it may do.
 */
describe('admin portal in the browser', () => {
  let broker: SpawnedBroker;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(resolve(PORTAL, 'dist/index.html')))
      execFileSync('npm', ['run', 'build'], { cwd: PORTAL, stdio: 'inherit' });
    [broker, browser] = await Promise.all([spawnBroker(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await broker?.stop();
  });

  async function page(viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport });
    return context.newPage();
  }

  async function pageChecks(p: Page, name: string): Promise<void> {
    await p.getByRole('heading', { level: 1 }).waitFor();
    await settled(p);
    expect(await seriousViolations(p), `${name}: axe serious/critical`).toEqual([]);
    expect(await overflowsHorizontally(p), `${name}: wider than 1280`).toBe(false);
    expect(p.url(), `${name}: no PHI in the URL`).not.toContain(VM_NAME);
    await screenshot(p, name);
  }

  it('signs in for development, saying it is development only', async () => {
    const p = await page();
    await p.goto(broker.base);
    await expect(p.getByRole('note').textContent()).resolves.toContain('only on the embedded default');
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, 'sign-in');
    await signIn(p, broker.base, 'ward-7', ['admin']);
    await expect(p.getByText('development sign-in').count()).resolves.toBe(1);
    await p.context().close();
  });

  it('creates a PHI VM whose preview permits only on-prem targets, follows it to active, stops and deletes it; the audit chain verifies', async () => {
    const p = await page();
    await signIn(p, broker.base, 'ward-7', ['admin']);
    await pageChecks(p, 'overview');
    await expect(p.getByTestId('containment').textContent()).resolves.toContain('0 PHI VMs');
    await expect(p.getByRole('note').textContent()).resolves.toContain('Simulation.');

    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Create VM' }).click();
    await p.getByRole('textbox', { name: 'Name', exact: true }).fill(VM_NAME);
    await p.getByRole('radio', { name: /^PHI/ }).check();
    // The preview follows the classification: wait until the public targets are denied.
    const denied = p.locator('[data-testid=candidate][data-permitted=false]');
    await denied.first().waitFor();
    await p.waitForFunction(
      () => document.querySelectorAll('[data-testid=candidate][data-permitted=false]').length >= 2,
    );
    const candidates = await p.locator('[data-testid=candidate]').evaluateAll((rows) =>
      rows.map((r) => ({
        site: r.getAttribute('data-site'),
        permitted: r.getAttribute('data-permitted') === 'true',
        policies: [...r.querySelectorAll('.policy-id')].map((c) => c.textContent ?? ''),
      })),
    );
    expect(candidates.filter((c) => c.permitted).map((c) => c.site)).toEqual(['onprem', 'onprem']);
    const publicOnes = candidates.filter((c) => c.site === 'public');
    expect(publicOnes.length).toBe(2);
    for (const c of publicOnes) {
      expect(c.permitted).toBe(false);
      expect(c.policies.length).toBeGreaterThan(0);
    }
    await pageChecks(p, 'create-vm');

    await p.getByRole('button', { name: 'Create VM' }).click();
    const progress = p.getByTestId('operation-progress');
    await progress.getByText('succeeded', { exact: true }).first().waitFor({ timeout: 30_000 });
    await screenshot(p, 'create-vm-progress');

    await p.getByRole('link', { name: 'Go to the inventory' }).click();
    const row = p.getByTestId('vm-row').filter({ hasText: VM_NAME });
    await row.getByText('active', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toContain('sandbox-onprem');
    await pageChecks(p, 'inventory');
    await p.getByRole('button', { name: `console of ${VM_NAME}` }).click();
    await p.getByRole('region', { name: `Console of ${VM_NAME}` }).waitFor();
    await p.getByRole('button', { name: 'Close' }).click();

    await p.getByRole('button', { name: `stop ${VM_NAME}` }).click();
    await row.getByText('stopped', { exact: true }).waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Delete' }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'Yes, delete' }).click();
    await p.waitForFunction(
      (name) =>
        ![...document.querySelectorAll('[data-testid=vm-row]')].some(
          (r) => r.textContent?.includes(name) && !/deleting|deleted/.test(r.textContent ?? ''),
        ),
      VM_NAME,
      { timeout: 30_000 },
    );

    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await p.getByRole('button', { name: 'Verify the chain' }).click();
    await expect
      .poll(() => p.getByTestId('chain-status').textContent(), { timeout: 15_000 })
      .toMatch(/^Verified: \d+ records/);
    await expect(p.getByRole('table', { name: 'Audit records' }).textContent()).resolves.toContain(
      'vm.create',
    );
    await pageChecks(p, 'audit');

    for (const [link, name] of [['Storage', 'storage']] as const) {
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
      await pageChecks(p, name);
    }
    await p.context().close();
  });

  it('creates a PHI volume and attaches it to a VM, then detaches it', async () => {
    const admin = await broker.token('ward-8', 'admin');
    const vm = await broker.call(admin, 'POST', '/v1/vms', {
      name: 'imaging',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'phi',
    });
    expect(vm.status).toBe(202);
    await broker.settle(admin, vm.body.operation.id);

    const p = await page();
    await signIn(p, broker.base, 'ward-8', ['admin']);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Storage' }).click();
    await p.getByText('New volume').click();
    await p.getByLabel('Volume name').fill('scans');
    await p.getByLabel('Classification', { exact: true }).selectOption('phi');
    await p.waitForFunction(
      () => document.querySelectorAll('[data-testid=candidate][data-permitted=false]').length >= 2,
    );
    await p.getByRole('button', { name: 'Create volume' }).click();
    const row = p.getByTestId('volume-row').filter({ hasText: 'scans' });
    await row.getByText('available', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toContain('sandbox-onprem');
    await row.getByRole('combobox').selectOption({ label: 'imaging' });
    await row.getByRole('button', { name: 'attach scans' }).click();
    await row.getByText('in-use', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(row.textContent()).resolves.toContain('imaging');
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, 'storage-attached');
    await row.getByRole('button', { name: 'detach scans' }).click();
    await row.getByText('available', { exact: true }).waitFor({ timeout: 30_000 });
    await p.context().close();
  });

  it("lists the tenant's operations with filters and pages, and shows one with its steps", async () => {
    const admin = await broker.token('ward-10', 'admin');
    for (const name of ['ops-a', 'ops-b']) {
      const vm = await broker.call(admin, 'POST', '/v1/vms', {
        name,
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'internal',
      });
      await broker.settle(admin, vm.body.operation.id);
    }

    const p = await page();
    await signIn(p, broker.base, 'ward-10', ['auditor']);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operations' }).click();
    const rows = p.getByTestId('operation-row');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await expect(p.getByRole('table', { name: 'Operations' }).textContent()).resolves.toContain('vm.create');
    await pageChecks(p, 'operations');

    await p.getByLabel('Status').selectOption('failed');
    await p.getByRole('button', { name: 'Filter' }).click();
    await p.getByText('No operation matches.').waitFor();
    await p.getByLabel('Status').selectOption('succeeded');
    await p.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(2);

    await rows
      .first()
      .getByRole('button', { name: /^detail of vm.create/ })
      .click();
    const detail = p.getByRole('region', { name: 'Operation detail' });
    await detail.getByText('succeeded', { exact: true }).first().waitFor();
    await expect(detail.locator('.steps li').count()).resolves.toBeGreaterThan(0);
    await screenshot(p, 'operation-detail');
    await p.context().close();
  });

  it('shows quota bars per site, usage per day and by group; only an admin gets the limits form', async () => {
    const admin = await broker.token('ward-11', 'admin');
    const vm = await broker.call(admin, 'POST', '/v1/vms', {
      name: 'quota-vm',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'phi',
    });
    await broker.settle(admin, vm.body.operation.id);

    const p = await page();
    await signIn(p, broker.base, 'ward-11', ['admin']);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quotas' }).click();
    const onprem = p.getByRole('region', { name: 'Quotas on-prem' });
    const instances = onprem.locator('[data-testid=quota-bar][data-resource=Instances]');
    await expect.poll(() => instances.textContent()).toMatch(/1 used \+ 0 reserved of \d+/);
    await expect(
      p
        .getByRole('region', { name: 'Quotas public cloud' })
        .locator('[data-resource=Instances]')
        .textContent(),
    ).resolves.toMatch(/0 used \+ 0 reserved/);
    await p.getByTestId('usage-chart').waitFor();
    await expect(
      p.getByRole('table', { name: 'Usage per day (vCPU hours)' }).locator('td').count(),
    ).resolves.toBe(7);
    await p.getByLabel('Group by').selectOption('classification');
    await p.getByRole('button', { name: 'Show usage' }).click();
    await p.getByRole('table', { name: 'Usage by classification' }).getByText('phi').waitFor();
    await pageChecks(p, 'quotas');

    await p.getByText('Change the limits of ward-11').click();
    const limits = p.getByRole('form', { name: 'Quota limits' });
    await limits.getByRole('group', { name: 'On-prem' }).getByLabel('Instances').fill('7');
    await limits.getByRole('button', { name: 'Save limits' }).click();
    await p.getByRole('status').getByText('Saved.').waitFor();
    await expect.poll(() => instances.textContent()).toMatch(/1 used \+ 0 reserved of 7$/);
    await screenshot(p, 'quotas-edit');
    await p.context().close();

    const auditor = await page();
    await signIn(auditor, broker.base, 'ward-11', ['auditor']);
    await auditor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quotas' }).click();
    await expect.poll(() => auditor.locator('[data-testid=quota-bar]').count()).toBe(14);
    await expect(auditor.getByText(/Change the limits/).count()).resolves.toBe(0);
    await auditor.context().close();
  });

  it('follows the event stream: a VM created elsewhere shows up without polling', async () => {
    const p = await page();
    await signIn(p, broker.base, 'ward-12', ['app']);
    await expect.poll(() => p.getByTestId('live-status').textContent()).toBe('live updates');
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inventory' }).click();
    await settled(p);
    const app = await broker.token('ward-12', 'app');
    const vm = await broker.call(app, 'POST', '/v1/vms', {
      name: 'streamed',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    });
    expect(vm.status).toBe(202);
    // While the stream is live lists poll every 30 s: within 10 s only an event can have refreshed it.
    await p
      .getByTestId('vm-row')
      .filter({ hasText: 'streamed' })
      .getByText('active', { exact: true })
      .waitFor({ timeout: 10_000 });
    await p.context().close();
  });

  it('shows capacity and quota use per target, and recent failed operations on the overview', async () => {
    const operator = await broker.token('platform', 'operator');
    const admin = await broker.token('ward-13', 'admin');
    const onprem = (
      (await broker.call(admin, 'GET', '/v1/targets')).body.items as { id: string; site: string }[]
    )
      .filter((t) => t.site === 'onprem')
      .map((t) => t.id);
    const arm = (rules: object[]) =>
      Promise.all(
        onprem.map((id) => broker.call(operator, 'PUT', `/v1/sandbox/targets/${id}/faults`, { rules })),
      );
    for (const armed of await arm([
      { type: 'fail', method: 'createServer', kind: 'invalidRequest', count: 1 },
    ]))
      expect(armed.status).toBe(200);
    try {
      const vm = await broker.call(admin, 'POST', '/v1/vms', {
        name: 'doomed',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'phi',
      });
      expect(vm.status).toBe(202);
      const settledOp = await broker.settle(admin, vm.body.operation.id);
      expect(settledOp.status).toBe('failed');
    } finally {
      await arm([]);
    }

    const p = await page();
    await signIn(p, broker.base, 'ward-13', ['admin']);
    await expect.poll(() => p.getByTestId('failed-operations').textContent()).toContain('vm.create');
    const quota = p.getByTestId('target-quota').first();
    await expect.poll(() => quota.textContent()).toMatch(/\d+ of \d+ instances/);
    // Figures where the cloud reports them (a limit alone when it does not say the project's use).
    await expect
      .poll(() => p.getByTestId('capacity').first().textContent())
      .toMatch(/^((\d+ of|limit) (\d+|unlimited) (instances|vCPUs))+$|^not reported by this cloud$/);
    await pageChecks(p, 'overview-capacity');
    await p.context().close();
  });

  it('creates a PHI bucket with the preview, presigns in it; lists snapshots, images and links; migrates a VM', async () => {
    const admin = await broker.token('ward-14', 'admin');
    const settle = async (reply: Reply) => {
      expect(reply.status, reply.text).toBeLessThan(300);
      return broker.settle(admin, reply.body.operation.id);
    };
    const vmBody = (name: string) => ({
      name,
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    });
    const web = await broker.call(admin, 'POST', '/v1/vms', vmBody('web'));
    const db = await broker.call(admin, 'POST', '/v1/vms', vmBody('db'));
    await settle(web);
    await settle(db);
    await settle(
      await broker.call(admin, 'POST', `/v1/vms/${web.body.vm.id}/actions`, {
        type: 'snapshot',
        name: 'web-golden',
      }),
    );
    const volume = await broker.call(admin, 'POST', '/v1/volumes', {
      name: 'ledger',
      sizeGiB: 5,
      classification: 'internal',
    });
    await settle(volume);
    await settle(
      await broker.call(admin, 'POST', `/v1/volumes/${volume.body.volume.id}/snapshots`, {
        name: 'ledger-snap',
      }),
    );
    const link = await broker.call(admin, 'POST', '/v1/links', {
      from: { vmId: web.body.vm.id },
      to: { vmId: db.body.vm.id },
      port: 5432,
      protocol: 'tcp',
    });
    expect(link.status, link.text).toBeLessThan(300);

    const p = await page();
    await signIn(p, broker.base, 'ward-14', ['admin']);
    const nav = p.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Storage' }).click();
    await p
      .getByTestId('snapshot-row')
      .filter({ hasText: 'ledger-snap' })
      .getByText('ledger', { exact: true })
      .waitFor();

    await p.getByText('New bucket').click();
    await p.getByLabel('Bucket name').fill('scans-archive');
    await p.getByLabel('Bucket classification').selectOption('phi');
    const preview = p.getByRole('region', { name: 'Bucket placement preview' });
    await expect
      .poll(() => preview.locator('[data-testid=candidate][data-permitted=false][data-site=public]').count())
      .toBeGreaterThan(0);
    await expect(
      preview.locator('[data-testid=candidate][data-permitted=true][data-site=public]').count(),
    ).resolves.toBe(0);
    await pageChecks(p, 'storage-bucket');
    await p.getByRole('button', { name: 'Create bucket' }).click();
    const bucket = p.getByTestId('bucket-row').filter({ hasText: 'scans-archive' });
    await bucket.getByText('active', { exact: true }).waitFor({ timeout: 30_000 });
    await expect(bucket.textContent()).resolves.toContain('onprem');
    await bucket.getByRole('button', { name: 'presign in scans-archive' }).click();
    await bucket.getByLabel('Object key').fill('study-001.dcm');
    await bucket.getByRole('button', { name: 'Get link' }).click();
    await expect.poll(() => bucket.getByTestId('presigned-link').textContent()).toMatch(/GET link.*http/);
    expect(p.url()).not.toContain('study-001');
    await screenshot(p, 'storage-presign');

    await nav.getByRole('link', { name: 'Images & links' }).click();
    await p.getByTestId('image-row').filter({ hasText: 'web-golden' }).waitFor();
    await expect(p.getByTestId('link-row').first().textContent()).resolves.toContain('tcp/5432');
    await pageChecks(p, 'images-links');

    await nav.getByRole('link', { name: 'Inventory' }).click();
    const row = p.locator(`[data-testid=vm-row][data-vm-id="${db.body.vm.id}"]`);
    const before = (await broker.call(admin, 'GET', `/v1/vms/${db.body.vm.id}`)).body.placement.targetId;
    await row.getByRole('button', { name: 'migrate db' }).click();
    const progress = p.getByRole('region', { name: 'migrate db progress' });
    await progress.getByText('succeeded', { exact: true }).first().waitFor({ timeout: 30_000 });
    const moved = await broker.call(admin, 'GET', `/v1/vms/${db.body.vm.id}`);
    expect(moved.body.status).toBe('active');
    // Another host of the same target: placement chose the target, a migration does not change it.
    expect(moved.body.placement.targetId).toBe(before);
    await p.context().close();
  });

  it('shows the policy bundle in force, its policies with @id and reason, and the policy tests passing', async () => {
    const app = await broker.token('ward-15', 'app');
    const bundle = await broker.call(app, 'GET', '/v1/policies');
    expect(bundle.status).toBe(200);
    const p = await page();
    await signIn(p, broker.base, 'ward-15', ['app']);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policies' }).click();
    await expect.poll(() => p.getByTestId('bundle-hash').textContent()).toBe(bundle.body.hash);
    const phi = p.getByTestId('policy-row').filter({ hasText: 'place.phi-onprem-only' });
    await expect(phi.textContent()).resolves.toContain('phi workloads run only on on-prem targets');
    await expect(phi.textContent()).resolves.toContain('forbid');
    await expect
      .poll(() => p.getByTestId('policy-tests').textContent(), { timeout: 15_000 })
      .toMatch(/^All \d+ policy tests pass\.$/);
    await pageChecks(p, 'policies');
    await p.context().close();
  });

  it('shows problems with their detail, and field errors next to the fields', async () => {
    const p = await page();
    await signIn(p, broker.base, 'ward-7', ['app']);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Create VM' }).click();
    await p.getByRole('textbox', { name: 'Name', exact: true }).fill('');
    await p.getByRole('button', { name: 'Create VM' }).click();
    const nameInput = p.getByRole('textbox', { name: 'Name', exact: true });
    await expect.poll(() => nameInput.getAttribute('aria-invalid')).toBe('true');
    await expect(p.locator('#name-error').textContent()).resolves.toBeTruthy();
    // PHI asked for a public-only region: the preview permits nothing and the API's 403 is shown with its detail.
    await p.getByRole('textbox', { name: 'Name', exact: true }).fill('phi-east');
    await p.getByRole('radio', { name: /^PHI/ }).check();
    await p.getByLabel('Region').selectOption('us-east-1');
    await p.getByText('No target permitted').waitFor();
    await p.getByRole('button', { name: 'Create VM' }).click();
    const alert = p.getByRole('alert').filter({ hasText: '403' });
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/placement|permit/i);
    expect(p.url()).not.toContain('phi-east');
    await p.context().close();
  });

  it('an app sees no audit; an auditor sees no mutating buttons', async () => {
    const admin = await broker.token('ward-9', 'admin');
    const created = await broker.call(admin, 'POST', '/v1/vms', {
      name: 'intranet',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    });
    expect(created.status).toBe(202);
    await broker.settle(admin, created.body.operation.id);

    const app = await page();
    await signIn(app, broker.base, 'ward-9', ['app']);
    const appNav = app.getByRole('navigation', { name: 'Main' });
    await expect(appNav.getByRole('link', { name: 'Audit' }).count()).resolves.toBe(0);
    await appNav.getByRole('link', { name: 'Inventory' }).click();
    await app.getByRole('button', { name: 'stop intranet' }).waitFor();
    await app.context().close();

    const auditor = await page();
    await signIn(auditor, broker.base, 'ward-9', ['auditor']);
    const nav = auditor.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Audit' }).count()).resolves.toBe(1);
    await expect(nav.getByRole('link', { name: 'Create VM' }).count()).resolves.toBe(0);
    await nav.getByRole('link', { name: 'Inventory' }).click();
    await auditor.getByTestId('vm-row').filter({ hasText: 'intranet' }).waitFor();
    await expect(auditor.locator('main button').count()).resolves.toBe(0);
    await auditor.context().close();
  });

  it('is usable with the keyboard alone: sign in, skip to content, move between pages', async () => {
    const p = await page();
    await p.goto(broker.base);
    await p.getByRole('textbox', { name: 'Tenant', exact: true }).waitFor();
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('tenant');
    await p.keyboard.press('Control+A');
    await p.keyboard.type('ward-7');
    await p.keyboard.press('Enter');
    await p.getByRole('navigation', { name: 'Main' }).waitFor();
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    for (let i = 0; i < 2; i++) await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Inventory');
    await p.keyboard.press('Enter');
    await p.getByRole('heading', { name: 'Inventory: VMs' }).waitFor();
    await p.context().close();
  });

  it('keeps every page unbroken on a phone (390×844)', async () => {
    const p = await page(PHONE);
    await signIn(p, broker.base, 'ward-7', ['admin']);
    for (const link of [
      'Overview',
      'Inventory',
      'Storage',
      'Create VM',
      'Operations',
      'Quotas',
      'Audit',
      'Policies',
    ]) {
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
      await p.getByRole('heading', { level: 1 }).waitFor();
      await settled(p);
      expect(await overflowsHorizontally(p), `${link} at 390×844`).toBe(false);
      if (link === 'Create VM') await screenshot(p, 'create-vm-phone');
    }
    await p.context().close();
  });
});
