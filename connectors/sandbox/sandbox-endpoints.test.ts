import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { sandboxEndpoints } from './sandbox-endpoints.ts';
import { SandboxProvider } from './sandbox-provider.ts';

const target: Target = {
  id: 'sandbox-console-test',
  cloud: 'sandbox',
  region: 'test',
  site: 'onprem',
  description: 'console test target (simulation)',
  kinds: ['vm'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: { small: 'sb.small' },
  images: { 'ubuntu-24.04': 'sb-ubuntu-2404' },
  connection: {},
  cloudSettings: {
    capacity: { vcpus: 4, ramMiB: 8192, volumeGiB: 10 },
    timings: { buildMs: 0, actionMs: 0, deleteMs: 0, volumeMs: 0 },
    console: { tokenTtlSeconds: 30 },
  },
};

describe('the sandbox console page', () => {
  const setup = async () => {
    let now = 1_000_000;
    const provider = new SandboxProvider(target, {
      sizes: { small: { vcpus: 1, ramMiB: 1024, diskGiB: 10 } },
      baseUrl: 'http://sandbox.test',
      now: () => now,
    });
    const app = sandboxEndpoints(() => [provider]);
    const server = await provider.compute.createServer({
      brokerId: 'vm-console',
      name: 'console',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: 'console',
    });
    const open = (url: string) => app.request(new URL(url).pathname.replace(/^\/sandbox/, ''));
    return { provider, server, open, advance: (ms: number) => (now += ms) };
  };

  it('serves the page once, with the configured time to live', async () => {
    const { provider, server, open } = await setup();
    const console = await provider.compute.getConsole(server.id);
    if (console.kind !== 'url') throw new Error('the sandbox gives links');
    expect(Date.parse(console.expiresAt)).toBe(1_000_000 + 30_000);
    const page = await open(console.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain(server.id);
    const again = await open(console.url);
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: 'console.tokenUsed', status: 410 });
  });

  it('refuses an expired link (410) and a made-up one (403), never echoing the token', async () => {
    const { provider, server, open, advance } = await setup();
    const console = await provider.compute.getConsole(server.id);
    if (console.kind !== 'url') throw new Error('the sandbox gives links');
    advance(30_000);
    const expired = await open(console.url);
    expect(expired.status).toBe(410);
    expect(expired.headers.get('content-type')).toBe('application/problem+json');
    const body = await expired.text();
    expect(JSON.parse(body).code).toBe('console.tokenExpired');
    expect(body).not.toContain(new URL(console.url).pathname.split('/').pop());
    const forged = await open('http://sandbox.test/sandbox/console/not-a-token');
    expect(forged.status).toBe(403);
    expect((await forged.json()).code).toBe('console.tokenInvalid');
  });

  it('refuses a link whose server is gone', async () => {
    const { provider, server, open, advance } = await setup();
    const console = await provider.compute.getConsole(server.id);
    if (console.kind !== 'url') throw new Error('the sandbox gives links');
    await provider.compute.deleteServer(server.id);
    advance(1);
    const gone = await open(console.url);
    expect(gone.status).toBe(410);
    expect((await gone.json()).code).toBe('console.serverGone');
  });
});
