import { BrokerError } from '../../core/errors.ts';

/**
 * Faults the simulation can be told to produce, per target:
 * - `fail`: the next `count` calls of `method` throw an error of `kind` (capacity, unavailable, timeout, …)
 *   without doing anything;
 * - `loseResponse`: the next `count` calls of `method` do their work, then throw `lostResponse` — the
 *   "created but the response was lost" case that lookup-before-create must handle (I4);
 * - `errorAfterCreate`: the next `count` calls of `method` do their work, then throw an error of `kind`
 *   (default `unavailable`) — the cloud that answers 5xx after creating (a false negative);
 * - `failBuild`: the next `count` servers go to `error` instead of `active`;
 * - `crash`: the `nth` call of `method` (default the next) kills the whole process with SIGKILL, `before`
 *   the simulated cloud does anything or `after` it did its work (and persisted it) but before the broker
 *   sees the answer — a crash at a precise step boundary, for the crash-injection campaign;
 * - `latencyMs`: every call waits this long first.
 * A rule with a `probability` fires on each matching call with that chance (drawn from a generator seeded
 * with `seed`, so a campaign replays exactly), at most `count` times.
 */
export const FAULT_KINDS = [
  'capacity',
  'quotaExceeded',
  'unavailable',
  'timeout',
  'conflict',
  'invalidRequest',
] as const;

export const FAULT_TYPES = ['fail', 'loseResponse', 'errorAfterCreate', 'failBuild', 'crash'] as const;

export interface FaultRule {
  type: (typeof FAULT_TYPES)[number];
  method?: string;
  kind?: (typeof FAULT_KINDS)[number];
  count: number;
  /** Chance (0..1) the rule fires on a matching call; always when absent. */
  probability?: number;
  /** `crash` only: before the call does its work (default) or after. */
  when?: 'before' | 'after';
  /** `crash` only: which matching call crashes (1 = the next one). */
  nth?: number;
}

export interface FaultSettings {
  rules: FaultRule[];
  latencyMs: number;
  /** Seed of the generator probabilistic rules draw from. */
  seed?: number;
}

/** Ends the process at once, as a power cut would: no handler, no flush, no goodbye. */
export function killThisProcess(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}

export class SandboxFaults {
  #settings: FaultSettings = { rules: [], latencyMs: 0 };
  #random: () => number = Math.random;
  readonly #targetId: string;
  readonly #crash: () => void;

  constructor(targetId: string, crash: () => void = killThisProcess) {
    this.#targetId = targetId;
    this.#crash = crash;
  }

  get settings(): FaultSettings {
    return structuredClone(this.#settings);
  }

  set(settings: Partial<FaultSettings>): void {
    const seed = settings.seed ?? this.#settings.seed;
    this.#settings = {
      rules: settings.rules ?? this.#settings.rules,
      latencyMs: settings.latencyMs ?? this.#settings.latencyMs,
      ...(seed === undefined ? {} : { seed }),
    };
    this.#random = seed === undefined ? Math.random : mulberry32(seed);
  }

  clear(): void {
    this.#settings = { rules: [], latencyMs: 0 };
  }

  /** Before a call: wait the configured latency, then throw if a `fail` rule matches. */
  async before(method: string): Promise<void> {
    if (this.#settings.latencyMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.#settings.latencyMs));
    this.#crashIfDue(method, 'before');
    const rule = this.#take('fail', method);
    if (rule)
      throw new BrokerError(
        `sandbox.${rule.kind ?? 'unavailable'}`,
        `simulated ${rule.kind ?? 'unavailable'} on ${this.#targetId} (${method})`,
      );
  }

  /** After a call did its work: throw `lostResponse`, or an error answer, if a rule says so. */
  after(method: string): void {
    this.#crashIfDue(method, 'after');
    if (this.#take('loseResponse', method))
      throw new BrokerError(
        'sandbox.lostResponse',
        `simulated lost response on ${this.#targetId} (${method})`,
      );
    const rule = this.#take('errorAfterCreate', method);
    if (rule)
      throw new BrokerError(
        `sandbox.${rule.kind ?? 'unavailable'}`,
        `simulated ${rule.kind ?? 'unavailable'} answer after the work was done on ${this.#targetId} (${method})`,
      );
  }

  /** Whether the next build should fail. */
  takeBuildFailure(): boolean {
    return this.#take('failBuild', 'createServer') !== undefined;
  }

  #crashIfDue(method: string, when: 'before' | 'after'): void {
    const rule = this.#settings.rules.find(
      (r) =>
        r.type === 'crash' &&
        (r.when ?? 'before') === when &&
        (r.method === undefined || r.method === method) &&
        r.count > 0,
    );
    if (!rule) return;
    if ((rule.nth ?? 1) > 1) {
      rule.nth = (rule.nth ?? 1) - 1;
      return;
    }
    rule.count -= 1;
    this.#settings.rules = this.#settings.rules.filter((r) => r.count > 0);
    this.#crash();
  }

  #take(type: FaultRule['type'], method: string): FaultRule | undefined {
    const rule = this.#settings.rules.find(
      (r) => r.type === type && (r.method === undefined || r.method === method) && r.count > 0,
    );
    if (!rule) return undefined;
    if (rule.probability !== undefined && this.#random() >= rule.probability) return undefined;
    rule.count -= 1;
    this.#settings.rules = this.#settings.rules.filter((r) => r.count > 0);
    return rule;
  }
}

/** A small seeded generator (mulberry32): the same seed gives the same fault sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
