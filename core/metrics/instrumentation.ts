import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Authorizer } from '../ports/authorizer.ts';
import type { Clock } from '../ports/clock.ts';
import type { BrokerMetrics } from '../ports/metrics.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import type { OperationRepository } from '../ports/repositories.ts';
import type { TargetHealthTracker } from '../ports/target-health.ts';

/**
 * Decorators that observe the broker's ports at one place each, so no service or step has to remember to
 * count: placement decisions, policy denials, operations ending, and target health.
 */

/** Counts each decision once, with the policy that decided it (the chosen target's first permit, or the first forbid). */
export function measuredPlacement(engine: PlacementEngine, metrics: BrokerMetrics): PlacementEngine {
  return {
    get bundleHash() {
      return engine.bundleHash;
    },
    async decide(request) {
      const decision = await engine.decide(request);
      const [outcome, policy] = decidingPolicy(decision);
      metrics.placementDecided(outcome, policy);
      return decision;
    },
  };
}

function decidingPolicy(decision: PlacementDecision): ['placed' | 'denied', string] {
  if (decision.chosen) {
    const chosen = decision.candidates.find((c) => c.targetId === decision.chosen?.targetId);
    return ['placed', chosen?.policies[0] ?? 'none'];
  }
  const denied = decision.candidates.find((c) => !c.permitted && c.policies.length > 0);
  return ['denied', denied?.policies[0] ?? 'none'];
}

/** Counts the API requests policy denied, by the policy that denied them. */
export function measuredAuthorizer(authorizer: Authorizer, metrics: BrokerMetrics): Authorizer {
  return {
    authorize(request) {
      const decision = authorizer.authorize(request);
      if (!decision.allowed) metrics.policyDenied(decision.policies[0] ?? 'none');
      return decision;
    },
  };
}

/**
 * Observes operations where they are written: an operation saved as finished counts once (the write is
 * conditional on the version, so a lost race does not count), with its time from acceptance to end. The
 * reconciler's scan of unfinished operations reports how many are past their deadline.
 */
export function measuredOperations<T extends OperationRepository>(
  operations: T,
  metrics: BrokerMetrics,
  clock: Clock,
): T {
  const save: OperationRepository['save'] = async (op) => {
    const saved = await operations.save(op);
    if (saved.status === 'succeeded' || saved.status === 'failed')
      metrics.operationFinished(saved.kind, saved.status, elapsedMs(saved, clock));
    return saved;
  };
  const listUnfinished: OperationRepository['listUnfinished'] = async (limit) => {
    const unfinished = await operations.listUnfinished(limit);
    const now = clock.now().getTime();
    metrics.operationsOverdue(unfinished.filter((op) => Date.parse(op.deadline) < now).length);
    return unfinished;
  };
  // A proxy, so whatever else the repository offers (lists, queries) passes through unchanged.
  return new Proxy(operations, {
    get(target, property) {
      if (property === 'save') return save;
      if (property === 'listUnfinished') return listUnfinished;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function elapsedMs(op: Operation, clock: Clock): number {
  return Math.max(0, clock.now().getTime() - Date.parse(op.createdAt));
}

/**
 * Reports a target's circuit and health when either changed, and at least once a minute while the
 * tracker is consulted (placement refreshes it on every decision: on Lambda each report is a log line, and
 * alarms need a data point per period, not one per request).
 */
export function measuredHealth(
  health: TargetHealthTracker,
  metrics: BrokerMetrics,
  targetIds: readonly string[],
  now: () => number = Date.now,
  everyMs = 60_000,
): TargetHealthTracker {
  const last = new Map<string, { state: string; at: number }>();
  const report = (targetId: string) => {
    const circuit = health.state(targetId);
    const healthy = health.unavailable(targetId) === undefined;
    const state = `${circuit}/${healthy}`;
    const previous = last.get(targetId);
    const at = now();
    if (previous?.state === state && at - previous.at < everyMs) return;
    last.set(targetId, { state, at });
    metrics.targetHealth(targetId, circuit, healthy);
  };
  return {
    async refresh() {
      await health.refresh();
      for (const id of targetIds) report(id);
    },
    state: (targetId) => health.state(targetId),
    unavailable: (targetId) => health.unavailable(targetId),
    async recordSuccess(targetId) {
      await health.recordSuccess(targetId);
      report(targetId);
    },
    async recordFailure(targetId, code) {
      await health.recordFailure(targetId, code);
      report(targetId);
    },
    async recordCheck(targetId, status, detail) {
      await health.recordCheck(targetId, status, detail);
      report(targetId);
    },
  };
}
