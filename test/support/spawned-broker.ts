import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startFlags } from './start-flags.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface SpawnedBroker {
  child: ChildProcess;
  base: string;
}

/** Starts `node runtime/local/main.ts` (what `npm start` runs) on a data folder and waits for its address. */
export async function startBroker(dataDir: string, targetsFile: string): Promise<SpawnedBroker> {
  const child = spawn(process.execPath, [...startFlags(), 'runtime/local/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, HCB_TARGETS_FILE: targetsFile, LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const base = await new Promise<string>((resolveBase, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) resolveBase(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}): ${output}`)));
    setTimeout(() => reject(new Error(`broker did not start: ${output}`)), 30_000);
  });
  return { child, base };
}

/** SIGKILL: no shutdown hook runs, exactly like a crash. */
export function kill(running: SpawnedBroker): Promise<void> {
  return new Promise((done) => {
    if (running.child.exitCode !== null || running.child.signalCode !== null) return done();
    running.child.once('exit', () => done());
    running.child.kill('SIGKILL');
  });
}
