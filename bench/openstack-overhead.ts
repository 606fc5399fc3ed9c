/**
 * `npx node bench/openstack-overhead.ts [--keep] [--count 1000] [--create-runs 10] [--list-runs 10]`
 * (`--cleanup-only` deletes the kept `hcb-bench-list-*` servers and exits)
 *
 * The OpenStack connector's overhead against the same raw `fetch` calls to Nova, in the same process,
 * on the running cloud (scripts/openstack-up.sh):
 *   (a) one server: `compute.createServer` then `getServer` polls until ACTIVE, vs raw POST /servers then
 *       GET /servers/{id} polls — same body, same poll interval; the POST alone is reported too;
 *   (b) listing: `compute.listServers()` over the project vs raw paginated GET /servers/detail, both with
 *       1000 per page, after making sure `--count` servers named `hcb-bench-list-*` exist (booted with
 *       min_count/max_count in batches, reused across runs; deleted at the end unless `--keep`);
 *   (c) the same create and list calls against an instant in-process stub serving the documents just
 *       listed, which isolates the connector's own cost from the cloud's latency and noise.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { NOVA_MICROVERSION, type NovaServer } from '../connectors/openstack/nova.ts';
import { OpenStackProvider } from '../connectors/openstack/openstack-provider.ts';
import { openstackEnv, openstackProvider, openstackTarget } from '../test/openstack/openstack-target.ts';
import { rawNova, rawToken } from './openstack-raw.ts';
import { startStub } from './openstack-stub.ts';
import { machine, summarize } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    'cleanup-only': { type: 'boolean', default: false },
    count: { type: 'string', default: '1000' },
    'create-runs': { type: 'string', default: '10' },
    'list-runs': { type: 'string', default: '10' },
    batch: { type: 'string', default: '25' },
    parallel: { type: 'string', default: '4' },
  },
});
const COUNT = Number(args.count);
const CREATE_RUNS = Number(args['create-runs']);
const LIST_RUNS = Number(args['list-runs']);
const BATCH = Number(args.batch);
const PARALLEL = Number(args.parallel);
const POLL_MS = 250;
const LIST_PREFIX = 'hcb-bench-list-';

const env = openstackEnv();
const provider = openstackProvider();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rawAuth = await rawToken(env);
const raw = rawNova(rawAuth.nova, rawAuth.token);
const rawHeaders = raw.headers;
const rawCreate = raw.create;
const rawGet = raw.get;
const rawList = async () => (await raw.list()).length;

// ── (a) create until ACTIVE ───────────────────────────────────────────────────────────────────────
async function measureCreate() {
  const ids = await resolveIds();
  const results = {
    connectorPost: [] as number[],
    rawPost: [] as number[],
    connectorActive: [] as number[],
    rawActive: [] as number[],
  };
  const created: string[] = [];
  // Warm both paths (token, flavor/image/network caches) with one create each.
  const connector = async (tag: string) => {
    const t0 = performance.now();
    const s = await provider.compute.createServer({
      brokerId: `${tag}-c`,
      name: `${tag}-c`,
      size: 'small',
      image: 'ubuntu-24.04',
      tags: { 'hcb:bench': 'create' },
      clientToken: tag,
    });
    const post = performance.now() - t0;
    created.push(s.id);
    while ((await provider.compute.getServer(s.id)).state === 'building') await sleep(POLL_MS);
    return { post, active: performance.now() - t0 };
  };
  const direct = async (tag: string) => {
    const t0 = performance.now();
    const id = await rawCreate({
      name: `${tag}-r`,
      flavorRef: ids.flavor,
      imageRef: ids.image,
      networks: [{ uuid: ids.network }],
      metadata: { 'hcb:bench': 'create', 'hcb:vm': `${tag}-r` },
      tags: [`hcb-vm:${tag}-r`],
    });
    const post = performance.now() - t0;
    created.push(id);
    while ((await rawGet(id)).status === 'BUILD') await sleep(POLL_MS);
    return { post, active: performance.now() - t0 };
  };
  // Run -1 warms both paths (token, flavor/image/network caches); the order alternates so neither side
  // always meets the cloud right after the other's build.
  for (let run = -1; run < CREATE_RUNS; run++) {
    const tag = `hcb-bench-create-${Date.now()}-${run}`;
    let c: { post: number; active: number };
    let r: { post: number; active: number };
    if (run % 2 === 0) {
      c = await connector(tag);
      r = await direct(tag);
    } else {
      r = await direct(tag);
      c = await connector(tag);
    }
    if (run >= 0) {
      results.connectorPost.push(c.post);
      results.rawPost.push(r.post);
      results.connectorActive.push(c.active);
      results.rawActive.push(r.active);
    }
    process.stdout.write(
      `  create run ${run}: connector ${c.active.toFixed(0)} ms (POST ${c.post.toFixed(1)}), raw ${r.active.toFixed(0)} ms (POST ${r.post.toFixed(1)})\n`,
    );
  }
  await Promise.all(created.map((id) => provider.compute.deleteServer(id)));
  return results;
}

async function resolveIds() {
  const flavors: Record<string, string> = {};
  for await (const f of provider.nova.listFlavors()) flavors[f.name] = f.id;
  let image = '';
  for await (const i of provider.glance.listImages({ name: env.HCB_OPENSTACK_IMAGE ?? 'ubuntu-24.04' }))
    image = i.id;
  let network = '';
  for await (const n of provider.neutron.listNetworks({ name: env.HCB_OPENSTACK_NETWORK ?? 'hcb-net' }))
    network = n.id;
  return { flavor: flavors['m1.small']!, image, network };
}

// ── (b) listing ───────────────────────────────────────────────────────────────────────────────────
async function benchServers(): Promise<NovaServer[]> {
  const out: NovaServer[] = [];
  for await (const s of provider.nova.listServers({ name: `^${LIST_PREFIX}` })) out.push(s);
  return out;
}

/** Boots what is missing in batches of `--batch` (min_count = max_count), `--parallel` requests at a time. */
async function ensureListServers(): Promise<void> {
  const ids = await resolveIds();
  let have = (await benchServers()).length;
  const missing = COUNT - have;
  if (missing > 0) {
    console.log(`  booting ${missing} servers (${BATCH} per request, ${PARALLEL} requests at a time)…`);
    const batches: number[] = [];
    for (let left = missing; left > 0; left -= BATCH) batches.push(Math.min(BATCH, left));
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const i = next++;
        const n = batches[i]!;
        // networks 'none': listing is what is measured; a port per server would only slow the boot.
        const r = await fetch(`${rawAuth.nova}/servers`, {
          method: 'POST',
          headers: rawHeaders,
          body: JSON.stringify({
            server: {
              name: `${LIST_PREFIX}${Date.now()}-${i}`,
              flavorRef: ids.flavor,
              imageRef: ids.image,
              networks: 'none',
              metadata: { 'hcb:bench': 'list' },
              min_count: n,
              max_count: n,
            },
          }),
        });
        if (r.status !== 202)
          throw new Error(`batch boot: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    console.log(`  ${missing} boot requests accepted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  // Wait until none is building (listing BUILD and ACTIVE servers costs the same, but settle anyway).
  const t0 = performance.now();
  for (;;) {
    const servers = await benchServers();
    have = servers.length;
    const building = servers.filter((s) => s.status === 'BUILD').length;
    if (building === 0 || performance.now() - t0 > 3 * 3600_000) {
      console.log(
        `  ${have} bench servers, ${building} building; waited ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
      return;
    }
    process.stdout.write(`  ${have - building}/${have} active…\r`);
    await sleep(10_000);
  }
}

async function measureList() {
  const results = { connector: [] as number[], raw: [] as number[], listed: 0 };
  const connector = async () => {
    const t0 = performance.now();
    let n = 0;
    for await (const _ of provider.compute.listServers()) n++;
    return { ms: performance.now() - t0, n };
  };
  const direct = async () => {
    const t0 = performance.now();
    const n = await rawList();
    return { ms: performance.now() - t0, n };
  };
  for (let run = -1; run < LIST_RUNS; run++) {
    let c: { ms: number; n: number };
    let r: { ms: number; n: number };
    if (run % 2 === 0) {
      c = await connector();
      r = await direct();
    } else {
      r = await direct();
      c = await connector();
    }
    results.listed = c.n;
    if (c.n !== r.n)
      console.log(`  (listings differ: connector ${c.n}, raw ${r.n} — servers changed meanwhile)`);
    if (run >= 0) {
      results.connector.push(c.ms);
      results.raw.push(r.ms);
    }
    process.stdout.write(
      `  list run ${run}: connector ${c.ms.toFixed(0)} ms, raw ${r.ms.toFixed(0)} ms (${c.n} servers)\n`,
    );
  }
  return results;
}

// ── (c) client-side cost alone: the same calls against an instant in-process stub ────────────────
async function measureStub(servers: NovaServer[], creates: number, lists: number) {
  const ids = await resolveIds();
  const stub = await startStub(servers, ids);
  const target = openstackTarget({
    connection: { authUrl: `${stub.url}/v3`, network: 'hcb-net', credentialsRef: 'env:STUB' },
  });
  const connector = new OpenStackProvider(target, { env: { STUB_USERNAME: 'u', STUB_PASSWORD: 'p' } });
  const direct = rawNova(`${stub.url}/v2.1`, 'stub-token');
  const body = {
    name: 'x',
    flavorRef: ids.flavor,
    imageRef: ids.image,
    networks: [{ uuid: ids.network }],
    metadata: { 'hcb:vm': 'x' },
    tags: ['hcb-vm:x'],
  };
  const input = {
    brokerId: 'x',
    name: 'x',
    size: 'small',
    image: 'ubuntu-24.04',
    tags: {},
    clientToken: 'x',
  };
  const out = {
    createC: [] as number[],
    createR: [] as number[],
    listC: [] as number[],
    listR: [] as number[],
  };
  for (let i = -50; i < creates; i++) {
    let t0 = performance.now();
    await connector.compute.createServer(input);
    const c = performance.now() - t0;
    t0 = performance.now();
    await direct.create(body);
    const r = performance.now() - t0;
    if (i >= 0) {
      out.createC.push(c);
      out.createR.push(r);
    }
  }
  for (let i = -3; i < lists; i++) {
    let t0 = performance.now();
    for await (const _ of connector.compute.listServers()) void _;
    const c = performance.now() - t0;
    t0 = performance.now();
    await direct.list();
    const r = performance.now() - t0;
    if (i >= 0) {
      out.listC.push(c);
      out.listR.push(r);
    }
  }
  await stub.close();
  return out;
}

async function cleanup(): Promise<void> {
  const servers = await benchServers();
  console.log(`  deleting ${servers.length} bench servers…`);
  let next = 0;
  const worker = async () => {
    while (next < servers.length)
      await provider.compute.deleteServer(servers[next++]!.id).catch(() => undefined);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

// ── run ───────────────────────────────────────────────────────────────────────────────────────────
if (args['cleanup-only']) {
  await cleanup();
  process.exit(0);
}
const sh = (cmd: string, argv: string[]) => execFileSync(cmd, argv, { encoding: 'utf8' }).trim();
console.log(`machine: ${machine()}; nproc ${sh('nproc', [])}`);
console.log(sh('free', ['-g']));
console.log(
  `Nova microversion ${NOVA_MICROVERSION}\n(a) create until ACTIVE, ${CREATE_RUNS} runs (+1 warm-up)`,
);
const create = await measureCreate();
console.log(`(b) list ${COUNT} servers`);
await ensureListServers();
const list = await measureList();
console.log('(c) the same calls against an instant in-process stub (client-side cost alone)');
const sample = await raw.list();
const stub = await measureStub(sample, 500, 30);
if (!args.keep) await cleanup();

const row = (label: string, connector: number[], rawSamples: number[]) => {
  const c = summarize(connector);
  const r = summarize(rawSamples);
  return `| ${label} | ${c.p50.toFixed(1)} ms | ${r.p50.toFixed(1)} ms | ${(c.p50 / r.p50).toFixed(3)} | ${(c.p50 - r.p50).toFixed(1)} ms |`;
};
console.log('\n| measure (median) | connector | raw fetch | ratio | difference |');
console.log('|---|---|---|---|---|');
console.log(row('create: POST /servers', create.connectorPost, create.rawPost));
console.log(row('create: until ACTIVE', create.connectorActive, create.rawActive));
console.log(row(`list: ${list.listed} servers`, list.connector, list.raw));
console.log(row('stub: POST /servers (500×)', stub.createC, stub.createR));
console.log(row(`stub: list ${sample.length} servers (30×)`, stub.listC, stub.listR));
