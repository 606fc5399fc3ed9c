import type { Verdict } from './verdict.ts';

/**
 * A bounded LRU of Cedar verdicts, keyed by everything the engine hands Cedar for one call (policy set,
 * principal, tenant, trimmed context, target). Cedar is deterministic and a bundle never changes under
 * an engine, so a hit is exactly the answer a call would give. It pays because placement traffic
 * repeats: the same apps ask for the same classifications and sizes, and the context is trimmed to what
 * policies read (a tag no policy tests does not split the key).
 */
export class VerdictCache {
  readonly #entries = new Map<string, Verdict>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: string): Verdict | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return copy(hit);
  }

  set(key: string, verdict: Verdict): void {
    if (this.#capacity <= 0) return;
    this.#entries.set(key, copy(verdict));
    if (this.#entries.size > this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Callers get their own arrays: a decision handed on must not share state with the cache. */
function copy(verdict: Verdict): Verdict {
  return { allowed: verdict.allowed, policies: [...verdict.policies], reasons: [...verdict.reasons] };
}
