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

export const FAULT_TYPES = ['fail', 'loseResponse', 'errorAfterCreate', 'failBuild'] as const;

export interface FaultRule {
  type: (typeof FAULT_TYPES)[number];
  method?: string;
  kind?: (typeof FAULT_KINDS)[number];
  count: number;
  /** Chance (0..1) the rule fires on a matching call; always when absent. */
  probability?: number;
}

export interface FaultSettings {
  rules: FaultRule[];
  latencyMs: number;
  /** Seed of the generator probabilistic rules draw from. */
  seed?: number;
}

export class SandboxFaults {
  #settings: FaultSettings = { rules: [], latencyMs: 0 };
  #random: () => number = Math.random;
  readonly #targetId: string;

  constructor(targetId: string) {
    this.#targetId = targetId;
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
    const rule = this.#take('fail', method);
    if (rule)
      throw new BrokerError(
        `sandbox.${rule.kind ?? 'unavailable'}`,
        `simulated ${rule.kind ?? 'unavailable'} on ${this.#targetId} (${method})`,
      );
  }

  /** After a call did its work: throw `lostResponse`, or an error answer, if a rule says so. */
  after(method: string): void {
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
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
