import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/openstack-up.sh keeps the shared Keystone's configuration. */
const KEYSTONE_CONF = join(
  process.env.HCB_OPENSTACK_DIR ?? '/var/lib/hcb-openstack',
  'etc/keystone/keystone.conf',
);

export interface ShortTokenKeystone {
  authUrl: string;
  lifetimeSeconds: number;
  stop(): Promise<void>;
}

/**
 * A second Keystone process on the shared database and fernet keys, issuing tokens that expire after
 * `lifetimeSeconds` — the shared one on :5000 stays as it is. Fernet tokens carry their expiry, so the
 * services (which validate through :5000) refuse them once expired, exactly as with a short-lived
 * production setting. Needs root (the key repository is root's), like the bring-up script.
 */
export async function startShortTokenKeystone(
  port: number,
  lifetimeSeconds: number,
): Promise<ShortTokenKeystone> {
  const dir = mkdtempSync(join(tmpdir(), 'hcb-keystone-short-'));
  const conf = readFileSync(KEYSTONE_CONF, 'utf8').replace(
    /^\[token\]$/m,
    `[token]\nexpiration = ${lifetimeSeconds}`,
  );
  writeFileSync(join(dir, 'keystone.conf'), conf);
  const child: ChildProcess = spawn(
    'uwsgi',
    [
      '--plugins',
      'python3',
      '--http-socket',
      `127.0.0.1:${port}`,
      '--wsgi-file',
      '/usr/bin/keystone-wsgi-public',
      '--master',
      '--processes',
      '1',
      '--threads',
      '2',
      '--enable-threads',
      '--lazy-apps',
      '--die-on-term',
      '--buffer-size',
      '65535',
      '--add-header',
      'Connection: close',
      '--disable-logging',
    ],
    { env: { ...process.env, OS_KEYSTONE_CONFIG_DIR: dir }, stdio: 'ignore' },
  );
  const authUrl = `http://127.0.0.1:${port}/v3`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (const started = Date.now(); Date.now() - started < 120_000; ) {
    if (child.exitCode !== null) break;
    const ok = await fetch(authUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { authUrl, lifetimeSeconds, stop };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`the short-token Keystone on ${authUrl} did not start`);
}
