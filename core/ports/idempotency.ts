/** A response as stored for replay, with what the audit record of a replay points back to. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The request that produced this response (a replay's audit record names it). */
  requestId?: string;
  /** What the first request's audit record said about the resource (ids and decisions, never PHI). */
  audit?: Record<string, unknown>;
  /** The problem code, when the stored response is an error. */
  problemCode?: string;
}

/**
 * Runs `execute` at most once per key (I4): the first call's response is stored; the same key with the
 * same fingerprint replays it; a different fingerprint is refused (`idempotency.keyReused`); a concurrent
 * duplicate waits for the first. A thrown `execute` stores nothing, so the client may retry.
 */
export interface IdempotencyGuard {
  run(
    key: string,
    fingerprint: string,
    execute: () => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }>;
}

/**
 * The key a create request carries, as the domain sees it: `scope` identifies (subject, key) within the
 * tenant without holding the raw key; `fingerprint` is the hash of the request it was first used with.
 */
export interface IdempotencyScope {
  scope: string;
  fingerprint: string;
}

/** The resource and operation a key was bound to, before either was written. */
export interface KeyBinding {
  resourceId: string;
  operationId: string;
  fingerprint: string;
}

/**
 * Key → resource bindings, kept for good: a key names at most one resource, ever, even after the stored
 * response expired or the request that claimed the key crashed half way.
 */
export interface KeyBindings {
  get(tenant: string, scope: string): Promise<KeyBinding | undefined>;
  /** Conditional write: false when the scope is already bound (read the winner with `get`). */
  bind(tenant: string, scope: string, binding: KeyBinding): Promise<boolean>;
}
