import { BrokerError } from '../core/errors.ts';
import type { Site } from '../core/model/target.ts';
import type { QuotaHold, QuotaLedgerEntry, ResourceCounts } from '../core/ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaDemand, type QuotaResource } from '../core/ports/quotas.ts';
import { quotaExceeded, zeroCounts } from '../core/quotas/quota-limits.ts';

/** The layout of a quota counter item (quota-store.ts): `QUOTA#<tenant>` / `SITE#<site>`. */
/** One hold, decoded: demand, state (reserved or used), operation, time, and its own version. */
export interface Hold {
  d: QuotaDemand;
  s: 'r' | 'u';
  op: string;
  at: string;
  v: number;
}

/**
 * A hold as stored: one string, `<s><v>|<op>|<at, epoch ms in base 36>|<demand by QUOTA_RESOURCES, comma
 * separated>`, e.g. `u3|op-01j…|mbx1k2a0|1,2,4096`. Every live resource keeps one in its tenant's counter
 * item, so its size sets how many fit under DynamoDB's 400 KB item limit: about 80 bytes against 140 for
 * the map holds of earlier brokers (still read: the object form), and one compare checks state and version.
 */
export type StoredHold = string | Hold;

export function encodeHold(h: Hold): string {
  const demand = QUOTA_RESOURCES.map((r) => (h.d[r] ? String(h.d[r]) : ''))
    .join(',')
    .replace(/,+$/, '');
  return `${h.s}${h.v}|${h.op}|${Date.parse(h.at).toString(36)}|${demand}`;
}

export function decodeHold(stored: StoredHold): Hold {
  if (typeof stored !== 'string') return stored;
  const [head = '', op = '', at = '', demand = ''] = stored.split('|');
  const d: QuotaDemand = {};
  demand.split(',').forEach((n, i) => {
    const r = QUOTA_RESOURCES[i];
    if (r && n !== '') d[r] = Number(n);
  });
  return {
    s: head[0] === 'u' ? 'u' : 'r',
    v: Number(head.slice(1)),
    op,
    at: new Date(Number.parseInt(at, 36)).toISOString(),
    d,
  };
}

/**
 * The condition "this hold is still as it was read" (`#h.#id` names it): the whole string for a stored
 * string (state and version are in it), the version for an earlier broker's map hold.
 */
export function unchanged(stored: StoredHold): { condition: string; values: Record<string, unknown> } {
  return typeof stored === 'string'
    ? { condition: '#h.#id = :was', values: { ':was': stored } }
    : { condition: '#h.#id.v = :was', values: { ':was': stored.v } };
}

export interface StoredCounters {
  holds?: Record<string, StoredHold>;
  limits?: Partial<ResourceCounts>;
  limitsVersion?: number;
  version?: number;
  [total: string]: unknown;
}

/** Where tenants with counters are listed (one small item each, written once), for the reconciler. */
export const REGISTRY = 'QUOTA-TENANTS';

export const held = (r: QuotaResource) => `held_${r}`;
export const usedOf = (r: QuotaResource) => `used_${r}`;
export const nonZero = (demand: QuotaDemand) => QUOTA_RESOURCES.filter((r) => (demand[r] ?? 0) !== 0);

export function keyOf(tenant: string, site: Site) {
  return { pk: `QUOTA#${tenant}`, sk: `SITE#${site}` };
}

export function totalsOf(stored: StoredCounters): { held: ResourceCounts; used: ResourceCounts } {
  const h = zeroCounts();
  const used = zeroCounts();
  for (const r of QUOTA_RESOURCES) {
    h[r] = Number(stored[held(r)] ?? 0);
    used[r] = Number(stored[usedOf(r)] ?? 0);
  }
  return { held: h, used };
}

/** `ADD` clauses moving the totals of `which` by `sign × demand` (and the item's version by one). */
export function totalsChange(demand: QuotaDemand, sign: 1 | -1, which: ('held' | 'used')[]) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':one': 1 };
  const adds = ['version :one'];
  for (const r of nonZero(demand)) {
    values[`:${r}`] = sign * (demand[r] ?? 0);
    for (const w of which) {
      names[`#${w}_${r}`] = w === 'held' ? held(r) : usedOf(r);
      adds.push(`#${w}_${r} :${r}`);
    }
  }
  return { names, values, adds };
}

export function entryOf(tenant: string, site: Site, stored: StoredCounters): QuotaLedgerEntry {
  const totals = totalsOf(stored);
  const holds = Object.entries(stored.holds ?? {}).map(([resourceId, raw]): QuotaHold => {
    const h = decodeHold(raw);
    return {
      resourceId,
      site,
      demand: h.d,
      state: h.s === 'u' ? 'used' : 'reserved',
      operationId: h.op,
      at: h.at,
    };
  });
  return { tenant, site, holds, held: totals.held, used: totals.used, version: Number(stored.version ?? 0) };
}

export function exceeded(
  site: Site,
  resource: QuotaResource,
  limits: ResourceCounts,
  totals: { held: ResourceCounts; used: ResourceCounts },
  demand: QuotaDemand,
): BrokerError {
  const used = totals.used[resource];
  return quotaExceeded(
    site,
    resource,
    limits[resource],
    used,
    totals.held[resource] - used,
    demand[resource] ?? 0,
  );
}

export function contention(): BrokerError {
  return new BrokerError('quota.contention', 'too many concurrent changes to this quota; retry', {
    retryAfterSeconds: 1,
  });
}

/** The update replacing a counter item's holds and totals with these holds (the version condition is the caller's). */
export function rebuiltItem(holds: QuotaHold[]) {
  const names: Record<string, string> = { '#h': 'holds', '#v': 'version' };
  const values: Record<string, unknown> = { ':one': 1 };
  const stored: Record<string, string> = {};
  const totals = { held: zeroCounts(), used: zeroCounts() };
  for (const h of holds) {
    stored[h.resourceId] = encodeHold({
      d: h.demand,
      s: h.state === 'used' ? 'u' : 'r',
      op: h.operationId,
      at: h.at,
      v: 1,
    });
    for (const r of QUOTA_RESOURCES) {
      totals.held[r] += h.demand[r] ?? 0;
      if (h.state === 'used') totals.used[r] += h.demand[r] ?? 0;
    }
  }
  values[':holds'] = stored;
  const sets = ['#h = :holds'];
  for (const r of QUOTA_RESOURCES) {
    names[`#held_${r}`] = held(r);
    names[`#used_${r}`] = usedOf(r);
    values[`:held_${r}`] = totals.held[r];
    values[`:used_${r}`] = totals.used[r];
    sets.push(`#held_${r} = :held_${r}`, `#used_${r} = :used_${r}`);
  }
  return { expression: `SET ${sets.join(', ')} ADD #v :one`, names, values };
}
