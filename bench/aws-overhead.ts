/**
 * The AWS connector's own overhead against raw SDK calls, in one process, on the same emulator:
 *   (a) createServer + wait until active    vs raw RunInstances (the same request) + DescribeInstances until running
 *   (b) listServers() over 1,000 instances  vs raw paginated DescribeInstances with the same filters
 *   (c) the same 1,000-instance page replayed from memory through a stubbed `send`: the connector's own CPU
 *       cost per instance, which the emulator's time hides in (b)
 * Run against a running emulator (scripts/moto-up.sh):  npx node bench/aws-overhead.ts
 * Env: AWS_ENDPOINT_URL (default http://127.0.0.1:4566), BENCH_CREATES (default 50), BENCH_LISTS (default 5),
 * BENCH_RESET=1 to wipe moto's state (/moto-api/reset) before and after: moto keeps terminated instances and
 * its DescribeInstances slows down with every instance it holds, so a clean emulator gives comparable runs.
 */
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { AwsProvider } from '../connectors/aws/aws-provider.ts';
import { runInstancesInput } from '../connectors/aws/ec2-launch.ts';
import type { Target } from '../core/model/target.ts';

process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:4566';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
const endpoint = process.env.AWS_ENDPOINT_URL;
const region = process.env.AWS_REGION ?? 'us-east-1';
const CREATES = Number(process.env.BENCH_CREATES ?? 50);
const LISTS = Number(process.env.BENCH_LISTS ?? 5);
const RESET = process.env.BENCH_RESET === '1';
const FLEET = 1000;
const run = Date.now().toString(36);
const LIVE = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
const filters = [
  { Name: 'tag-key', Values: ['hcb:vm'] },
  { Name: 'instance-state-name', Values: LIVE },
];
const progress = (what: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
const reset = () => fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return {
    n: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}
const fmt = (s: ReturnType<typeof stats>) =>
  `p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  mean ${s.mean.toFixed(2)} ms  (n=${s.n})`;

if (RESET) await reset();
const ec2 = new EC2Client({ region, maxAttempts: 5 });
const images = await ec2.send(
  new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['ubuntu*'] }] }),
);
const image = images.Images?.find((i) => i.ImageId && i.RootDeviceName);
if (!image?.ImageId || !image.RootDeviceName) throw new Error('the emulator lists no Ubuntu AMI');
const rootSize = image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName)?.Ebs
  ?.VolumeSize;
const root = { deviceName: image.RootDeviceName, ...(rootSize ? { sizeGiB: rootSize } : {}) };

const target = (pageSize: number): Target => ({
  id: 'aws-bench',
  cloud: 'aws',
  region,
  site: 'public',
  description: 'benchmark target (emulator)',
  kinds: ['vm'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: { small: 't3.micro' },
  images: { 'ubuntu-24.04': image.ImageId! },
  connection: { region, pageSize },
});
const provider = new AwsProvider(target(1000));
const created: string[] = [];

// ---- (a) create one server and wait ------------------------------------------------------------------
async function rawCreate(i: number): Promise<void> {
  const input = {
    brokerId: `bench-raw-${run}-${i}`,
    name: `bench-raw-${i}`,
    size: 'small',
    image: 'ubuntu-24.04',
    tags: {},
    clientToken: `bench-raw-${run}-${i}`,
  };
  const request = runInstancesInput(input, {
    instanceType: 't3.micro',
    imageId: image!.ImageId!,
    root,
    settings: provider.settings,
    zone: `${region}a`,
  });
  const out = await ec2.send(new RunInstancesCommand(request));
  const id = out.Instances![0]!.InstanceId!;
  created.push(id);
  for (;;) {
    const d = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    if (d.Reservations?.[0]?.Instances?.[0]?.State?.Name === 'running') return;
  }
}

async function connectorCreate(i: number): Promise<void> {
  const server = await provider.compute.createServer({
    brokerId: `bench-conn-${run}-${i}`,
    name: `bench-conn-${i}`,
    size: 'small',
    image: 'ubuntu-24.04',
    tags: {},
    clientToken: `bench-conn-${run}-${i}`,
  });
  created.push(server.id);
  while ((await provider.compute.getServer(server.id)).state !== 'active');
}

progress(`(a) ${CREATES} creates each way, interleaved`);
for (let i = 0; i < 5; i++) {
  await rawCreate(-1 - i);
  await connectorCreate(-1 - i);
}
const rawCreates: number[] = [];
const connCreates: number[] = [];
for (let i = 0; i < CREATES; i++) {
  // Interleaved, so that the emulator's growing state weighs on both alike.
  let t = process.hrtime.bigint();
  await rawCreate(i);
  rawCreates.push(ms(t));
  t = process.hrtime.bigint();
  await connectorCreate(i);
  connCreates.push(ms(t));
}

// ---- (b) list 1,000 instances ------------------------------------------------------------------------
async function rawList(pageSize: number): Promise<DescribeInstancesCommandOutput[]> {
  const pages: DescribeInstancesCommandOutput[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({ Filters: filters, MaxResults: pageSize, NextToken }),
    );
    pages.push(page);
    NextToken = page.NextToken;
  } while (NextToken);
  return pages;
}
const count = (pages: DescribeInstancesCommandOutput[]) =>
  pages.reduce((n, p) => n + (p.Reservations ?? []).reduce((m, r) => m + (r.Instances?.length ?? 0), 0), 0);

const missing = FLEET - count(await rawList(1000));
progress(`(b) launching ${missing} more instances for a fleet of ${FLEET}`);
// One reservation per instance, as most fleets are (EC2 pages by instance, moto by reservation).
for (let i = 0; i < missing; i += 20)
  await Promise.all(
    Array.from({ length: Math.min(20, missing - i) }, async (_, j) => {
      const tags = [{ Key: 'hcb:vm', Value: `bench-fleet-${run}-${i + j}` }];
      const out = await ec2.send(
        new RunInstancesCommand({
          ImageId: image.ImageId!,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: 'instance', Tags: tags }],
        }),
      );
      created.push(out.Instances![0]!.InstanceId!);
    }),
  );

let recorded: DescribeInstancesCommandOutput | undefined;
let fleet = 0;
const listing: Record<string, { raw: number[]; conn: number[]; pages: number }> = {};
for (const pageSize of [1000, 100]) {
  progress(`(b) listing with page size ${pageSize}, ${LISTS} + 1 times each way`);
  const listed = new AwsProvider(target(pageSize));
  const raw: number[] = [];
  const conn: number[] = [];
  let pages = 0;
  for (let i = 0; i <= LISTS; i++) {
    let t = process.hrtime.bigint();
    const rawPages = await rawList(pageSize);
    const rawMs = ms(t);
    t = process.hrtime.bigint();
    let n = 0;
    for await (const _ of listed.compute.listServers()) n++;
    const connMs = ms(t);
    fleet = count(rawPages);
    pages = rawPages.length;
    if (n !== fleet) throw new Error(`listServers saw ${n} instances, raw paging ${fleet}`);
    if (pageSize === 1000) recorded = rawPages[0];
    if (i === 0) continue; // warm-up
    raw.push(rawMs);
    conn.push(connMs);
  }
  listing[pageSize] = { raw, conn, pages };
  await listed.close();
}

// ---- (c) the same page, replayed without the emulator -------------------------------------------------
progress('(c) replaying the 1,000-instance page from memory');
const replayed = new AwsProvider(target(1000));
replayed.ec2.send = (async () => structuredClone(recorded)) as unknown as EC2Client['send'];
const replayBase: number[] = [];
const replayConn: number[] = [];
for (let i = 0; i < 220; i++) {
  let t = process.hrtime.bigint();
  const page = structuredClone(recorded!);
  let n = 0;
  for (const r of page.Reservations ?? [])
    for (const instance of r.Instances ?? []) if (instance.InstanceId) n++;
  const baseMs = ms(t);
  t = process.hrtime.bigint();
  let m = 0;
  for await (const _ of replayed.compute.listServers()) m++;
  const connMs = ms(t);
  if (n !== m) throw new Error('replay mismatch');
  if (i < 20) continue; // warm-up (JIT)
  replayBase.push(baseMs);
  replayConn.push(connMs);
}

// ---- report ------------------------------------------------------------------------------------------
const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
  } catch {
    return 'n/a';
  }
};
const gib = (totalmem() / 2 ** 30).toFixed(1);
console.log('machine');
console.log(`  nproc ${sh('nproc')} (${cpus()[0]?.model ?? '?'}), ${gib} GiB, node ${process.version}`);
console.log(`  free -g: ${sh('free -g | sed -n 2p')}`);
console.log(`  emulator ${endpoint}${RESET ? ' (state reset before the run)' : ''}`);
const a = { raw: stats(rawCreates), conn: stats(connCreates) };
console.log('\n(a) create one server and wait until running/active');
console.log(`  raw RunInstances + DescribeInstances poll  ${fmt(a.raw)}`);
console.log(`  connector createServer + getServer poll    ${fmt(a.conn)}`);
const ratio = (c: number, r: number) => `${(c / r).toFixed(2)}x`;
console.log(
  `  ratio p50 ${ratio(a.conn.p50, a.raw.p50)}, p99 ${ratio(a.conn.p99, a.raw.p99)}; p50 +${(a.conn.p50 - a.raw.p50).toFixed(2)} ms`,
);
console.log(`\n(b) list ${fleet} broker-tagged instances (one reservation each)`);
for (const [pageSize, r] of Object.entries(listing)) {
  const raw = stats(r.raw);
  const conn = stats(r.conn);
  console.log(`  page size ${pageSize} (${r.pages} pages)`);
  console.log(`    raw paginated DescribeInstances  ${fmt(raw)}`);
  console.log(`    connector listServers()          ${fmt(conn)}`);
  console.log(`    ratio p50 ${ratio(conn.p50, raw.p50)}; p50 ${(conn.p50 - raw.p50).toFixed(2)} ms apart`);
}
const base = stats(replayBase);
const conn = stats(replayConn);
console.log(`\n(c) the ${fleet}-instance page replayed from memory (no emulator, no HTTP, no XML)`);
console.log(`    copy + iterate the parsed page    ${fmt(base)}`);
console.log(`    connector listServers() on it     ${fmt(conn)}`);
console.log(
  `    connector's own cost ${(((conn.p50 - base.p50) / fleet) * 1000).toFixed(2)} µs per instance at p50`,
);

// Leave the emulator as found: terminate what the benchmark launched (or wipe it, with BENCH_RESET=1).
progress('cleaning up');
if (RESET) await reset();
else
  for (let i = 0; i < created.length; i += 200)
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: created.slice(i, i + 200) }));
await provider.close();
await replayed.close();
ec2.destroy();
