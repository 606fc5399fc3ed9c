import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { FunctionShape } from './cloud-assembly.ts';

const HOST = new URL('./lambda-host.ts', import.meta.url).pathname;

export interface InvokeError {
  errorType: string;
  errorMessage: string;
}

export type InvokeResult = { ok: true; value: unknown } | { ok: false; error: InvokeError };

export interface PoolOptions {
  shape: FunctionShape;
  /** Local name, e.g. `hcb-dev-us-east-1-worker`. */
  name: string;
  /** The resolved environment of the function (template + the Lambda runtime's own variables). */
  environment: Record<string, string>;
  /** Most environments kept at once (Lambda's reserved concurrency, capped for a small machine). */
  maxInstances: number;
  /** Where the environments' stdout/stderr (JSON logs, EMF metrics) go. */
  logFile: string;
}

interface Instance {
  child: ChildProcess;
  ready: Promise<void>;
  busy: boolean;
  startedAt: number;
  /** Whether it has answered an invocation yet (its first answer ends the cold start). */
  answered: boolean;
}

/**
 * Lambda's execution environments for one function: a child process per concurrent invocation, created
 * on demand (a cold start), kept warm between invocations, never more than `maxInstances`; further
 * invocations wait for a free one (throttling, without the 429). Each runs with the function's memory as
 * `--max-old-space-size` and is killed when an invocation outlives the function's timeout.
 */
export class FunctionPool {
  readonly options: PoolOptions;
  readonly #instances = new Set<Instance>();
  readonly #waiting: ((instance: Instance) => void)[] = [];
  readonly #log: WriteStream;
  /** Milliseconds from spawn to the first answer of each environment (cold starts), in order. */
  readonly coldStarts: number[] = [];
  /** Failed invocations so far (errors, timeouts, crashes). */
  readonly failures: InvokeError[] = [];
  #closed = false;

  constructor(options: PoolOptions) {
    this.options = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
  }

  /** Process ids of the live environments (tests kill one to show what Lambda's failure looks like). */
  pids(): number[] {
    return [...this.#instances].map((i) => i.child.pid!).filter(Boolean);
  }

  busyPids(): number[] {
    return [...this.#instances].filter((i) => i.busy).map((i) => i.child.pid!);
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    if (this.#closed)
      return { ok: false, error: { errorType: 'Shutdown', errorMessage: 'runtime stopping' } };
    const instance = await this.#acquire();
    const timeoutMs = this.options.shape.timeoutSeconds * 1000;
    const id = randomUUID();
    try {
      await instance.ready;
      return await new Promise<InvokeResult>((resolve) => {
        const onMessage = (message: { type: string; id?: string } & InvokeResult) => {
          if (message.type !== 'result' || message.id !== id) return;
          finish(message.ok ? { ok: true, value: message.value } : this.#failed(message.error));
        };
        const onExit = (code: number | null, signal: string | null) =>
          finish(
            this.#failed({
              errorType: 'Runtime.ExitError',
              errorMessage: `exited (${signal ?? code}) mid-invocation`,
            }),
          );
        const timer = setTimeout(() => {
          instance.child.kill('SIGKILL');
          finish(
            this.#failed({
              errorType: 'Sandbox.Timedout',
              errorMessage: `timed out after ${timeoutMs / 1000} s`,
            }),
          );
        }, timeoutMs);
        const finish = (result: InvokeResult) => {
          clearTimeout(timer);
          instance.child.off('message', onMessage);
          instance.child.off('exit', onExit);
          resolve(result);
        };
        instance.child.on('message', onMessage);
        instance.child.once('exit', onExit);
        instance.child.send({ type: 'invoke', id, event, deadline: Date.now() + timeoutMs });
      });
    } catch (error) {
      return this.#failed({ errorType: 'Runtime.InitError', errorMessage: String(error) });
    } finally {
      if (!instance.answered) {
        instance.answered = true;
        this.coldStarts.push(Date.now() - instance.startedAt);
      }
      this.#release(instance);
    }
  }

  /** A failed invocation, reported in the function's log as Lambda's platform line would. */
  #failed(error: InvokeError): InvokeResult {
    this.failures.push(error);
    this.#log.write(`${JSON.stringify({ type: 'platform.invokeError', ...error })}\n`);
    return { ok: false, error };
  }

  /** Starts one environment now (prewarming) and waits until its bundle is loaded. */
  async warm(): Promise<void> {
    const instance = this.#spawn();
    await instance.ready;
    instance.answered = true;
    this.#release(instance);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#instances].map(
        (i) =>
          new Promise<void>((done) => {
            if (i.child.exitCode !== null || i.child.signalCode !== null) return done();
            i.child.once('exit', () => done());
            i.child.kill('SIGTERM');
          }),
      ),
    );
    this.#log.end();
  }

  #acquire(): Promise<Instance> {
    const idle = [...this.#instances].find((i) => !i.busy);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (this.#instances.size < this.options.maxInstances) return Promise.resolve(this.#spawn());
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(instance: Instance): void {
    if (!this.#instances.has(instance)) {
      // It died: a waiting invocation gets a fresh environment.
      const next = this.#waiting.shift();
      if (next && !this.#closed) next(this.#spawn());
      return;
    }
    const next = this.#waiting.shift();
    if (next) next(instance);
    else instance.busy = false;
  }

  #spawn(): Instance {
    const { shape, environment, name } = this.options;
    const child = fork(HOST, [], {
      cwd: shape.codeDir,
      execArgv: [`--max-old-space-size=${shape.memoryMiB}`],
      env: {
        ...environment,
        HCB_LAMBDA_MODULE: shape.moduleFile,
        HCB_LAMBDA_EXPORT: shape.exportName,
        AWS_LAMBDA_LOG_STREAM_NAME: `${name}/${randomUUID()}`,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout!.pipe(this.#log, { end: false });
    child.stderr!.pipe(this.#log, { end: false });
    const instance: Instance = {
      child,
      busy: true,
      answered: false,
      startedAt: Date.now(),
      ready: new Promise<void>((resolve, reject) => {
        child.on('message', (m: { type: string; message?: string }) => {
          if (m.type === 'ready') resolve();
          if (m.type === 'initError') reject(new Error(m.message));
        });
        child.once('exit', (code) => reject(new Error(`${name} exited (${code}) during init`)));
      }),
    };
    instance.ready.catch(() => undefined);
    child.once('exit', () => this.#instances.delete(instance));
    this.#instances.add(instance);
    return instance;
  }
}
