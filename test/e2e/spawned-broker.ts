import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startFlags } from '../support/start-flags.ts';
import { waitFor } from '../support/wait-for.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
export type Reply = { status: number; body: any; text: string };

/** A broker the end-to-end suites drive over HTTP, however it runs. */
export interface BrokerUnderTest {
  base: string;
  dataDir: string;
  /** A token minted the way a user would: `node bin/cli.ts token` against the same DATA_DIR. */
  token(tenant: string, roles: string): Promise<string>;
  call(token: string, method: string, path: string, body?: unknown): Promise<Reply>;
  /** Polls an operation until it succeeded or failed. */
  settle(token: string, operationId: string, timeoutMs?: number): Promise<Reply['body']>;
  stop(): Promise<void>;
}

/** What `npm start` runs, as a child process with its own data folder and port. */
export interface SpawnedBroker extends BrokerUnderTest {
  pid: number;
  /** CPU time (user + system) the process has used so far, in seconds, from /proc. */
  cpuSeconds(): number;
}

/** A free port in `from..to` (the range this suite may use), so links the broker signs point at it. */
export async function freePort(from: number, to: number): Promise<number> {
  const size = to - from + 1;
  const offset = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = from + ((offset + i) % size);
    const free = await new Promise<boolean>((done) => {
      const probe = createServer()
        .once('error', () => done(false))
        .listen(port, '127.0.0.1', () => probe.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}–${to}`);
}

export async function spawnBroker(env: Record<string, string> = {}): Promise<SpawnedBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-e2e-'));
  const port = await freePort(18600, 18699);
  const childEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'ERROR', ...env };
  const child: ChildProcess = spawn(process.execPath, [...startFlags(), 'runtime/local/main.ts'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const base = await new Promise<string>((done, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) done(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`broker did not start: ${output}`)), 60_000);
  });

  const { call, settle } = brokerClient(base);

  return {
    base,
    pid: child.pid!,
    dataDir,
    async token(tenant, roles) {
      const { stdout } = await run(
        process.execPath,
        ['bin/cli.ts', 'token', '--tenant', tenant, '--roles', roles],
        {
          cwd: ROOT,
          env: childEnv,
        },
      );
      return stdout.trim();
    },
    call,
    settle,
    cpuSeconds() {
      // Fields after the command name: state is field 3; utime and stime are fields 14 and 15, in ticks.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return ticks / CLOCK_TICKS_PER_SECOND;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls and operation polling against a broker's base URL. */
export function brokerClient(base: string): Pick<BrokerUnderTest, 'call' | 'settle'> {
  const call = async (token: string, method: string, path: string, body?: unknown): Promise<Reply> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: response.status, body: parsed, text };
  };
  return {
    call,
    async settle(token, operationId, timeoutMs = 30_000) {
      const reply = await waitFor(
        () => call(token, 'GET', `/v1/operations/${operationId}`),
        (r) => r.status !== 200 || r.body.status === 'succeeded' || r.body.status === 'failed',
        { timeoutMs, intervalMs: 100, what: `operation ${operationId}` },
      );
      return reply.body;
    },
  };
}

/** A token minted the way a user would: `node bin/cli.ts token` against a DATA_DIR. */
export async function cliToken(dataDir: string, tenant: string, roles: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['bin/cli.ts', 'token', '--tenant', tenant, '--roles', roles],
    { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir } },
  );
  return stdout.trim();
}

/** USER_HZ: 100 on every Linux this runs on (the kernel ABI fixes it for /proc). */
const CLOCK_TICKS_PER_SECOND = 100;
