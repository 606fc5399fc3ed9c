/**
 * `npm run bench:soak`: the embedded default under sustained mixed load. Spawns the real `npm start`
 * process (real timers, shipped targets and timings, its own data folder), drives N mixed requests
 * (create, list, get, simulate, actions, delete) from concurrent clients in several tenants, and reports:
 * resident memory after GC once warmed up and at the end, the data folder against the live data in it,
 * and p99 latency of the first 10 % of requests against the last 10 %.
 *
 * GC is forced through `bench/soak-gc-hook.ts`, preloaded into the child with `--expose-gc` for this bench
 * only. SOAK_N (default 50,000) and SOAK_CLIENTS (default 8) scale it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import { loadConfig } from '../runtime/config.ts';
import { startFlags } from '../test/support/start-flags.ts';
import { folderBytes, liveData } from './soak-data.ts';
import { machine, percentile } from './stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.SOAK_N ?? 50_000);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 8);
const TENANTS = 4;
const WARMUP = Math.max(500, Math.floor(N / 20));
/** Each client keeps between MIN_LIVE and MAX_LIVE of its own VMs alive: the live set stays small. */
const MIN_LIVE = 2;
const MAX_LIVE = 4;
/** Once the last request is answered, the broker finishes its operations before the final reading. */
const SETTLE_MS = 15_000;
/**
 * Then it sits idle this long, untouched, before its resident memory is read with no forced collection:
 * together with the settling, past the quiet spell after which the broker hands unused heap pages back
 * (runtime/local/idle-memory-release.ts: 30 s, checked every 10 s).
 */
const IDLE_MS = 30_000;
const MB = 2 ** 20;

interface Broker {
  child: ChildProcess;
  base: string;
  dataDir: string;
  memory(): Promise<Memory>;
}

/** After a full GC: VmRSS and its parts, the JS heap, and memory outside it V8 knows of (buffers, Wasm). */
interface Memory {
  /** VmRSS after the memory-reducing collection V8 makes when idle (unused heap pages unmapped). */
  rss: number;
  /** VmRSS after a plain full collection, before that. */
  rssRegular: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapPhysical: number;
  external: number;
  malloced: number;
  /** Resident pages per V8 heap space. */
  spaces: Record<string, number>;
}

/** /proc/<pid>/status read once; its fields (given in kB) in bytes. */
function procStatus(pid: number): (field: string) => number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
}

async function spawnBroker(): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-soak-'));
  const child = spawn(
    process.execPath,
    [
      // The node flags `npm start` gives the broker, so the soak measures the shipped process.
      ...startFlags(),
      // SOAK_NODE_FLAGS: more V8 flags for the broker, to test where its memory goes (e.g. Wasm tiering).
      ...(process.env.SOAK_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--expose-gc',
      '--import',
      './bench/soak-gc-hook.ts',
      'runtime/local/main.ts',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const readings: ((line: string) => void)[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.startsWith('soak-memory ')) readings.shift()?.(line.slice('soak-memory '.length));
      else if (line) output += `${line}\n`;
    }
  });
  // SOAK_BROKER_OUTPUT: a file that also gets the broker's own output (e.g. V8's --trace-* lines).
  if (process.env.SOAK_BROKER_OUTPUT) {
    const file = createWriteStream(process.env.SOAK_BROKER_OUTPUT);
    child.stdout!.pipe(file);
    child.stderr!.on('data', (chunk: string) => file.write(chunk));
  }
  const base = await new Promise<string>((done, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) done(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`broker did not start: ${output}`)), 60_000);
  });
  return {
    child,
    base,
    dataDir,
    async memory() {
      const reading = new Promise<string>((done) => readings.push(done));
      child.kill('SIGUSR2');
      const { rssRegular, heapUsed, external, malloced, heapPhysical, spaces } = JSON.parse(
        await reading,
      ) as Record<'rssRegular' | 'heapUsed' | 'external' | 'malloced' | 'heapPhysical', number> & {
        spaces: Record<string, number>;
      };
      // VmRSS from /proc (what `ps` and the issue report), read right after the collection.
      const kb = procStatus(child.pid!);
      // RssFile: pages of mapped files (LevelDB maps its table files), RssAnon: the process's own memory.
      return {
        rss: kb('VmRSS'),
        rssRegular,
        anon: kb('RssAnon'),
        file: kb('RssFile'),
        heapUsed,
        heapPhysical,
        external,
        malloced,
        spaces,
      };
    },
  };
}

function stop(broker: Broker): Promise<void> {
  return new Promise((done) => {
    if (broker.child.exitCode !== null) return done();
    broker.child.once('exit', () => done());
    broker.child.kill('SIGTERM');
  });
}

type Kind = 'create' | 'list' | 'get' | 'simulate' | 'action' | 'delete';
interface Sample {
  index: number;
  kind: Kind;
  ms: number;
  status: number;
}

/** The statuses a request of each kind may answer under this load; anything else is a failure. */
const EXPECTED: Record<Kind, number[]> = {
  create: [202],
  list: [200],
  get: [200],
  simulate: [200],
  // A VM still building (or busy with the previous action) refuses an action with 409.
  action: [202, 409],
  delete: [202, 409],
};

async function soak(broker: Broker) {
  const key = await loadOrCreateDevKey(broker.dataDir);
  const tokens = await Promise.all(
    Array.from({ length: TENANTS }, (_, t) => mintDevToken(key, { tenant: `soak-${t}`, roles: ['app'] })),
  );
  const samples: Sample[] = new Array(N);
  const failures = new Map<string, number>();
  let next = 0;
  let warmedUp: Memory | undefined;
  let pausing: Promise<void> | undefined;

  const request = async (token: string, kind: Kind, method: string, path: string, body?: unknown) => {
    const index = next++;
    const started = performance.now();
    const response = await fetch(`${broker.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    samples[index] = { index, kind, ms: performance.now() - started, status: response.status };
    if (!EXPECTED[kind].includes(response.status)) {
      const what = `${kind} ${response.status} ${text.slice(0, 160)}`;
      failures.set(what, (failures.get(what) ?? 0) + 1);
    }
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const client = async (c: number) => {
    const token = tokens[c % TENANTS]!;
    const live: { id: string; at: number }[] = [];
    let created = 0;
    while (next < N) {
      // Warm-up over: every client waits while the broker's memory is read once.
      if (next >= WARMUP && !warmedUp) {
        pausing ??= (async () => {
          await new Promise((r) => setTimeout(r, 2_000));
          warmedUp = await broker.memory();
        })();
        await pausing;
        continue;
      }
      const roll = Math.random();
      if (live.length < MIN_LIVE || (live.length < MAX_LIVE && roll < 0.1)) {
        const reply = await request(token, 'create', 'POST', '/v1/vms', {
          name: `soak-${c}-${created++}`,
          size: 'small',
          image: 'ubuntu-24.04',
          classification: created % 2 ? 'phi' : 'internal',
          tags: { soak: String(c) },
        });
        if (reply.status === 202) live.push({ id: reply.body.vm.id, at: Date.now() });
      } else if (live.length >= MAX_LIVE || roll < 0.2) {
        const vm = live.shift()!;
        // A VM still building refuses its delete (409): keep it and delete it later, or it would stay
        // allocated and the tenant's quota would fill with VMs the client forgot.
        const reply = await request(token, 'delete', 'DELETE', `/v1/vms/${vm.id}`);
        if (reply.status === 409) live.push(vm);
      } else if (roll < 0.45) {
        const vm = live[Math.floor(Math.random() * live.length)]!;
        await request(token, 'get', 'GET', `/v1/vms/${vm.id}`);
      } else if (roll < 0.65) {
        await request(token, 'list', 'GET', '/v1/vms?limit=20');
      } else if (roll < 0.85) {
        await request(token, 'simulate', 'POST', '/v1/placements/simulate', {
          kind: 'vm',
          classification: roll < 0.75 ? 'phi' : 'public',
          size: 'small',
        });
      } else {
        const vm = live[Math.floor(Math.random() * live.length)]!;
        await request(token, 'action', 'POST', `/v1/vms/${vm.id}/actions`, { type: 'reboot' });
      }
    }
    for (const vm of live.splice(0))
      for (let attempt = 0; attempt < 20; attempt++) {
        const reply = await request(token, 'delete', 'DELETE', `/v1/vms/${vm.id}`);
        if (reply.status !== 409) break;
        await new Promise((r) => setTimeout(r, 500));
      }
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const seconds = (performance.now() - started) / 1000;
  return { samples: samples.filter(Boolean), failures, warmedUp: warmedUp!, seconds };
}

function p99(samples: Sample[]): number {
  return percentile(
    samples.map((s) => s.ms).sort((a, b) => a - b),
    99,
  );
}

async function main() {
  const config = loadConfig({ DATA_DIR: '/unused' });
  const broker = await spawnBroker();
  try {
    const { samples, failures, warmedUp, seconds } = await soak(broker);
    await new Promise((r) => setTimeout(r, SETTLE_MS + IDLE_MS));
    // What the idle broker holds on its own (its idle memory release has run by now), no GC forced.
    const idleRss = procStatus(broker.child.pid!)('VmRSS');
    const end = await broker.memory();
    await stop(broker);
    const folder = folderBytes(broker.dataDir);
    const live = await liveData(broker.dataDir, config.tableName);
    const liveBytes = live.storeBytes + live.sandboxBytes;
    const tenth = Math.floor(samples.length / 10);
    const kinds = ['create', 'list', 'get', 'simulate', 'action', 'delete'] as const;
    const first = p99(samples.slice(0, tenth));
    const last = p99(samples.slice(-tenth));
    const counts = Object.fromEntries(kinds.map((k) => [k, samples.filter((s) => s.kind === k).length]));
    const rssGrowth = (end.rss - warmedUp.rss) / MB;
    const signed = (mb: number) => `${mb >= 0 ? '+' : ''}${mb.toFixed(0)}`;
    const ratio = folder / liveBytes;
    const p99Ratio = last / first;
    console.log(`machine: ${machine()}`);
    console.log(
      `broker: node ${[...startFlags(), process.env.SOAK_NODE_FLAGS ?? ''].join(' ').trim()} (npm start's flags)`,
    );
    console.log(
      `${samples.length} requests in ${seconds.toFixed(0)} s (${(samples.length / seconds).toFixed(0)}/s), ${CLIENTS} clients, ${TENANTS} tenants: ${JSON.stringify(counts)}`,
    );
    console.log(
      `RSS idle ${(IDLE_MS / 1000).toFixed(0)} s after the load, no GC forced: ${(idleRss / MB).toFixed(0)} MB`,
    );
    console.log(
      `RSS after a plain full GC: warmed up ${(warmedUp.rssRegular / MB).toFixed(0)} MB, end ${(end.rssRegular / MB).toFixed(0)} MB → ${signed((end.rssRegular - warmedUp.rssRegular) / MB)} MB`,
    );
    console.log(
      `RSS after the idle (memory-reducing) GC: warmed up (${WARMUP} requests) ${(warmedUp.rss / MB).toFixed(0)} MB, end ${(end.rss / MB).toFixed(0)} MB → ${signed(rssGrowth)} MB (bound +100 MB); heap ${(warmedUp.heapUsed / MB).toFixed(0)} → ${(end.heapUsed / MB).toFixed(0)} MB, anonymous ${(warmedUp.anon / MB).toFixed(0)} → ${(end.anon / MB).toFixed(0)} MB, mapped files ${(warmedUp.file / MB).toFixed(0)} → ${(end.file / MB).toFixed(0)} MB, external ${(warmedUp.external / MB).toFixed(0)} → ${(end.external / MB).toFixed(0)} MB, heap pages ${(warmedUp.heapPhysical / MB).toFixed(0)} → ${(end.heapPhysical / MB).toFixed(0)} MB, V8 malloc ${(warmedUp.malloced / MB).toFixed(0)} → ${(end.malloced / MB).toFixed(0)} MB`,
    );
    const spaces = Object.keys(end.spaces)
      .filter((name) => Math.max(end.spaces[name]!, warmedUp.spaces[name] ?? 0) >= MB)
      .map(
        (name) =>
          `${name} ${((warmedUp.spaces[name] ?? 0) / MB).toFixed(0)} → ${(end.spaces[name]! / MB).toFixed(0)}`,
      );
    console.log(`V8 heap pages by space (MB): ${spaces.join(', ')}`);
    console.log(
      `data folder ${(folder / MB).toFixed(1)} MB for ${(liveBytes / MB).toFixed(1)} MB live (${live.storeItems} store items ${(live.storeBytes / MB).toFixed(1)} MB, sandbox ${(live.sandboxBytes / MB).toFixed(2)} MB) → ${ratio.toFixed(1)}× (bound 10×)`,
    );
    console.log(
      `p99 first 10 % ${first.toFixed(1)} ms, last 10 % ${last.toFixed(1)} ms → ${p99Ratio.toFixed(2)}× (bound 1.5×)`,
    );
    const median = (of: Sample[], kind: Kind) =>
      percentile(
        of
          .filter((s) => s.kind === kind)
          .map((s) => s.ms)
          .sort((a, b) => a - b),
        50,
      );
    // A short soak's tenth may hold no request of some kind: say so instead of reading an empty list.
    const shown = (of: Sample[], kind: Kind) =>
      of.some((s) => s.kind === kind) ? median(of, kind).toFixed(0) : '–';
    console.log(
      `median by kind, first → last 10 %: ${kinds.map((k) => `${k} ${shown(samples.slice(0, tenth), k)} → ${shown(samples.slice(-tenth), k)} ms`).join(', ')}`,
    );
    if (failures.size > 0) {
      console.log('unexpected answers:');
      for (const [what, n] of failures) console.log(`  ${n} × ${what}`);
    }
    const ok = rssGrowth <= 100 && ratio < 10 && p99Ratio <= 1.5 && failures.size === 0;
    console.log(ok ? 'PASS' : 'FAIL');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await stop(broker);
    if (!process.env.SOAK_KEEP) rmSync(broker.dataDir, { recursive: true, force: true });
    else console.log(`data folder kept: ${broker.dataDir}`);
  }
}

await main();
