import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sandboxEndpoints } from '../../connectors/sandbox/sandbox-endpoints.ts';
import { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import type { Target } from '../../core/model/target.ts';
import { describeProviderContract } from './provider-contract.ts';

const target: Target = {
  id: 'sandbox-contract',
  cloud: 'sandbox',
  region: 'test',
  site: 'onprem',
  description: 'contract test target (simulation)',
  kinds: ['vm', 'volume', 'bucket'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: { small: 'sb.small', medium: 'sb.medium' },
  images: { 'ubuntu-24.04': 'sb-ubuntu-2404' },
  connection: {},
  cloudSettings: {
    capacity: { vcpus: 16, ramMiB: 65536, volumeGiB: 100 },
    timings: { buildMs: 50, actionMs: 30, deleteMs: 30, volumeMs: 20 },
  },
};

let server: ServerType;

describeProviderContract('sandbox', async () => {
  const app = new Hono();
  let provider: SandboxProvider | undefined;
  app.route(
    '/sandbox',
    sandboxEndpoints(() => (provider ? [provider] : [])),
  );
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
  provider = new SandboxProvider(target, {
    sizes: {
      small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 },
      medium: { vcpus: 2, ramMiB: 4096, diskGiB: 40 },
    },
    baseUrl: `http://127.0.0.1:${port}`,
  });
  return {
    provider,
    size: 'small',
    otherSize: 'medium',
    image: 'ubuntu-24.04',
    settleTimeoutMs: 5_000,
    volumeTypes: ['sb-standard', 'sb-ssd'],
    pollMs: 20,
    openConsole: async (url) => {
      const page = await fetch(url);
      await page.arrayBuffer();
      return page.status;
    },
    cleanup: async () => {
      server.close();
    },
  };
});
