import { BrokerError } from '../../core/errors.ts';

/**
 * Faults the simulation can be told to produce, per target:
 * - `fail`: the next `count` calls of `method` throw an error of `kind` (capacity, unavailable, timeout, …)
 *   without doing anything;
 * - `loseResponse`: the next `count` calls of `method` do their work, then throw `lostResponse` — the
 *   "created but the response was lost" case that lookup-before-create must handle (I4);
 * - `failBuild`: the next `count` servers go to `error` instead of `active`;
 * - `latencyMs`: every call waits this long first.
 */
export const FAULT_KINDS = [
  'capacity',
  'quotaExceeded',
  'unavailable',
  'timeout',
  'conflict',
  'invalidRequest',
] as const;

export interface FaultRule {
  type: 'fail' | 'loseResponse' | 'failBuild';
  method?: string;
  kind?: (typeof FAULT_KINDS)[number];
  count: number;
}

export interface FaultSettings {
  rules: FaultRule[];
  latencyMs: number;
}

export class SandboxFaults {
  #settings: FaultSettings = { rules: [], latencyMs: 0 };
  readonly #targetId: string;

  constructor(targetId: string) {
    this.#targetId = targetId;
  }

  get settings(): FaultSettings {
    return structuredClone(this.#settings);
  }

  set(settings: Partial<FaultSettings>): void {
    this.#settings = {
      rules: settings.rules ?? this.#settings.rules,
      latencyMs: settings.latencyMs ?? this.#settings.latencyMs,
    };
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

  /** After a call did its work: throw `lostResponse` if a rule says so. */
  after(method: string): void {
    if (this.#take('loseResponse', method))
      throw new BrokerError(
        'sandbox.lostResponse',
        `simulated lost response on ${this.#targetId} (${method})`,
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
    rule.count -= 1;
    this.#settings.rules = this.#settings.rules.filter((r) => r.count > 0);
    return rule;
  }
}
