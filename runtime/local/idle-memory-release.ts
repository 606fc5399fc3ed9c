/**
 * After a plain full collection V8 keeps heap pages mapped and resident that its spaces no longer count
 * (in the soak, 256 KiB page mappings grew 116 → 190 MB while its spaces held 70 → 59 MB); only a
 * memory-reducing collection compacts and unmaps them. Its memory reducer would start one once a process
 * goes quiet, but in this process it never does: with `--trace-memory-reducer` it reports "high alloc,
 * foreground" every 8 s even when no request comes (the worker's and reconciler's timers keep allocating,
 * and Node never tells V8 it is in the background). After a burst of requests the embedded broker so kept
 * 100–200 MB resident for as long as it ran. This makes that collection itself, once per quiet spell: when
 * no API request has arrived for `quietMs`.
 */
export const QUIET_MS = 30_000;
export const CHECK_EVERY_MS = 10_000;

/** `gc` as `node --expose-gc` exposes it, with V8's options (type, execution, flavor). */
export type ExposedGc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export interface IdleMemoryRelease {
  /** Call on every API request: the quiet spell starts again. */
  noteRequest(): void;
  /** How many memory-reducing collections it has made. */
  releases(): number;
  stop(): void;
}

/** `gc` undefined (node started without --expose-gc): it never collects. */
export function startIdleMemoryRelease(
  gc: ExposedGc | undefined,
  options: { quietMs?: number; checkEveryMs?: number; now?: () => number } = {},
): IdleMemoryRelease {
  const quietMs = options.quietMs ?? QUIET_MS;
  const now = options.now ?? Date.now;
  let lastRequestAt = now();
  let releasedSinceRequest = false;
  let releases = 0;
  const check = () => {
    if (!gc || releasedSinceRequest || now() - lastRequestAt < quietMs) return;
    releasedSinceRequest = true;
    releases += 1;
    // 'last-resort' is V8's memory-reducing full collection (two mark-compacts, 70–95 ms in the soak).
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  };
  const timer = setInterval(check, options.checkEveryMs ?? CHECK_EVERY_MS);
  timer.unref();
  return {
    noteRequest() {
      lastRequestAt = now();
      releasedSinceRequest = false;
    },
    releases: () => releases,
    stop: () => clearInterval(timer),
  };
}
