import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFlags } from '../support/start-flags.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const CRASH_TARGETS = resolve(import.meta.dirname, '../fixtures/targets.fast.yaml');

/** `node runtime/local/main.ts` (what `npm start` runs) as a child process the test can SIGKILL. */
export interface BrokerProcess {
  child: ChildProcess;
  base: string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<string>;
  output(): string;
}

export async function startBrokerProcess(dataDir: string, startTimeoutMs = 120_000): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [...startFlags(), 'runtime/local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      HCB_TARGETS_FILE: CRASH_TARGETS,
      LOG_LEVEL: 'ERROR',
      // Hundreds of restarts: Node's compile cache spares each one recompiling the same modules.
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'hcb-crash-compile-cache'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  child.stdout!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<string>((done) =>
    child.once('exit', (code, signal) => done(signal ?? `exit ${code}`)),
  );
  const base = await new Promise<string>((resolveBase, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not start in ${startTimeoutMs} ms: ${output}`));
    }, startTimeoutMs);
    const check = () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveBase(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`broker exited (${how}) before listening: ${output}`));
    });
  });
  return { child, base, exited, output: () => output };
}

/** SIGKILL, and wait until the process is gone (its store and sandbox files are then quiet). */
export async function killBroker(broker: BrokerProcess): Promise<string> {
  if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
  return broker.exited;
}

/** Whether the process ended within `ms` (a crash fault fired), without killing it. */
export async function endsWithin(broker: BrokerProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  const ended = await Promise.race([broker.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return ended;
}

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
export type Reply = { status: number; body: any };

/** One HTTP call; undefined when the connection failed or broke (the process died mid-request). */
export async function call(
  base: string,
  token: string,
  method: string,
  path: string,
  options: { body?: unknown; idempotencyKey?: string; timeoutMs?: number } = {},
): Promise<Reply | undefined> {
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch {
    return undefined;
  }
}
