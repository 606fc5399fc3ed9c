import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SITES, type Site } from '../core/model/target.ts';
import type {
  QuotaHold,
  QuotaLedger,
  QuotaLedgerEntry,
  QuotaLimits,
  QuotaLimitsPatch,
  SiteQuota,
} from '../core/ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaDemand } from '../core/ports/quotas.ts';
import { checkLimits, effectiveLimits, firstOver, zeroCounts } from '../core/quotas/quota-limits.ts';
import type { BrokerTable } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';
import {
  contention,
  decodeHold,
  encodeHold,
  entryOf,
  exceeded,
  held,
  keyOf,
  nonZero,
  REGISTRY,
  rebuiltItem,
  type StoredCounters,
  totalsChange,
  totalsOf,
  unchanged,
  usedOf,
} from './quota-item.ts';

/**
 * The quota ledger on the broker table: per tenant and site one counter item (`QUOTA#<t>` / `SITE#<s>`)
 * with the totals (`held_<r>` = reserved + used, `used_<r>`), the tenant's overrides of the configured
 * limits, and one hold per resource. Every change is a single conditional UpdateItem — no transactions,
 * so it behaves the same on dynalite, moto and DynamoDB: admission adds to the totals only while each stays
 * within its limit, and creates the resource's hold in the same write; confirm, change and release are
 * conditional on the hold's state and version, so a retried step never counts twice.
 */
/** The attributes headroom is decided on: limits and totals, not the holds. */
const TOTALS_PROJECTION = ['limits', ...QUOTA_RESOURCES.flatMap((r) => [held(r), usedOf(r)])].join(', ');

/** Attempts of a conditional write that lost a race with another (each re-reads first). */
const ATTEMPTS = 8;

export class QuotaStore implements QuotaLedger {
  readonly #doc: DynamoDBDocumentClient;
  readonly #name: string;
  readonly #defaults: QuotaLimits;
  readonly #now: () => Date;
  /** Per tenant and site, the limits last read — a hint for the first attempt of a reservation. */
  readonly #known = new Map<string, StoredCounters>();

  constructor(table: BrokerTable, defaults: QuotaLimits, now: () => Date = () => new Date()) {
    this.#doc = table.getDocumentClient();
    this.#name = table.getName();
    this.#defaults = defaults;
    this.#now = now;
  }

  async reserve(
    tenant: string,
    site: Site,
    hold: { resourceId: string; operationId: string; demand: QuotaDemand },
  ): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // First try with the limits last read (placement's headroom read them a moment ago): the write's
      // conditions decide; when one fails — full, limits changed, already held — read and decide again.
      const known = attempt === 0 ? this.#known.get(`${tenant}#${site}`) : undefined;
      const stored = known ?? (await this.#readEnsured(tenant, site));
      if (stored.holds?.[hold.resourceId]) return;
      const limits = { ...this.#defaults[site], ...stored.limits };
      const totals = totalsOf(stored);
      const over = firstOver(hold.demand, limits, totals.held);
      if (over) throw exceeded(site, over, limits, totals, hold.demand);
      const names: Record<string, string> = { '#h': 'holds', '#id': hold.resourceId, '#lv': 'limitsVersion' };
      const values: Record<string, unknown> = {
        ':hold': encodeHold({
          d: hold.demand,
          s: 'r',
          op: hold.operationId,
          at: this.#now().toISOString(),
          v: 1,
        }),
        ':one': 1,
        ':lv': stored.limitsVersion ?? 0,
      };
      const adds = ['version :one'];
      const conditions = ['attribute_not_exists(#h.#id)', '(attribute_not_exists(#lv) OR #lv = :lv)'];
      for (const r of nonZero(hold.demand)) {
        names[`#${r}`] = held(r);
        values[`:${r}`] = hold.demand[r];
        values[`:max_${r}`] = limits[r] - (hold.demand[r] ?? 0);
        adds.push(`#${r} :${r}`);
        conditions.push(`(attribute_not_exists(#${r}) OR #${r} <= :max_${r})`);
      }
      if (
        await this.#update(
          tenant,
          site,
          `SET #h.#id = :hold ADD ${adds.join(', ')}`,
          conditions,
          names,
          values,
        )
      )
        return;
    }
    throw contention();
  }

  async confirm(tenant: string, site: Site, resourceId: string): Promise<boolean> {
    const stored = (await this.#read(tenant, site))?.holds?.[resourceId];
    if (!stored) return false;
    const hold = decodeHold(stored);
    if (hold.s !== 'r') return false;
    const { names, values, adds } = totalsChange(hold.d, 1, ['used']);
    const was = unchanged(stored);
    return this.#update(
      tenant,
      site,
      `SET #h.#id = :now ADD ${adds.join(', ')}`,
      [was.condition],
      { ...names, '#h': 'holds', '#id': resourceId },
      { ...values, ...was.values, ':now': encodeHold({ ...hold, s: 'u', v: hold.v + 1 }) },
    );
  }

  async move(tenant: string, resourceId: string, from: Site, to: Site): Promise<void> {
    if (from === to) return;
    const stored = (await this.#read(tenant, from))?.holds?.[resourceId];
    if (!stored) return;
    const hold = decodeHold(stored);
    await this.reserve(tenant, to, { resourceId, operationId: hold.op, demand: hold.d });
    await this.release(tenant, resourceId, from);
  }

  async release(tenant: string, resourceId: string, site?: Site): Promise<boolean> {
    let released = false;
    for (const s of site ? [site] : SITES) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const stored = (await this.#read(tenant, s))?.holds?.[resourceId];
        if (!stored) break;
        const hold = decodeHold(stored);
        const was = unchanged(stored);
        const { names, values, adds } = totalsChange(
          hold.d,
          -1,
          hold.s === 'u' ? ['held', 'used'] : ['held'],
        );
        const done = await this.#update(
          tenant,
          s,
          `REMOVE #h.#id ADD ${adds.join(', ')}`,
          [was.condition],
          { ...names, '#h': 'holds', '#id': resourceId },
          { ...values, ...was.values },
        );
        if (done) {
          released = true;
          break;
        }
      }
    }
    return released;
  }

  async change(tenant: string, site: Site, resourceId: string, demand: QuotaDemand, force = false) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const stored = await this.#readEnsured(tenant, site);
      const raw = stored.holds?.[resourceId];
      if (!raw) return;
      const hold = decodeHold(raw);
      const was = unchanged(raw);
      const delta: QuotaDemand = {};
      for (const r of QUOTA_RESOURCES) delta[r] = (demand[r] ?? 0) - (hold.d[r] ?? 0);
      const growing: QuotaDemand = Object.fromEntries(nonZero(delta).map((r) => [r, Math.max(0, delta[r]!)]));
      const limits = { ...this.#defaults[site], ...stored.limits };
      const totals = totalsOf(stored);
      const over = force ? undefined : firstOver(growing, limits, totals.held);
      if (over) throw exceeded(site, over, limits, totals, growing);
      const { names, values, adds } = totalsChange(delta, 1, hold.s === 'u' ? ['held', 'used'] : ['held']);
      const conditions = [was.condition];
      if (!force)
        for (const r of nonZero(growing)) {
          values[`:max_${r}`] = limits[r] - (growing[r] ?? 0);
          conditions.push(`#held_${r} <= :max_${r}`);
        }
      const done = await this.#update(
        tenant,
        site,
        `SET #h.#id = :now ADD ${adds.join(', ')}`,
        conditions,
        { ...names, '#h': 'holds', '#id': resourceId },
        { ...values, ...was.values, ':now': encodeHold({ ...hold, d: demand, v: hold.v + 1 }) },
      );
      if (done) return;
    }
    throw contention();
  }

  async sitesWithRoom(tenant: string, demand: QuotaDemand): Promise<ReadonlySet<Site>> {
    const sites = await Promise.all(
      SITES.map(async (site) => {
        const stored = (await this.#readTotals(tenant, site)) ?? {};
        const limits = { ...this.#defaults[site], ...stored.limits };
        return firstOver(demand, limits, totalsOf(stored).held) ? undefined : site;
      }),
    );
    return new Set(sites.filter((s): s is Site => s !== undefined));
  }

  async view(tenant: string): Promise<Record<Site, SiteQuota>> {
    const [onprem, pub] = await Promise.all(SITES.map((s) => this.#read(tenant, s)));
    const site = (s: Site, stored: StoredCounters | undefined): SiteQuota => {
      const { held: h, used } = totalsOf(stored ?? {});
      const reserved = zeroCounts();
      for (const r of QUOTA_RESOURCES) reserved[r] = h[r] - used[r];
      return { limits: { ...this.#defaults[s], ...stored?.limits }, used, reserved };
    };
    return { onprem: site('onprem', onprem), public: site('public', pub) };
  }

  async setLimits(tenant: string, patch: QuotaLimitsPatch): Promise<Record<Site, SiteQuota>> {
    const current = await Promise.all(SITES.map((s) => this.#read(tenant, s)));
    const overrides: QuotaLimitsPatch = {};
    SITES.forEach((s, i) => {
      overrides[s] = { ...current[i]?.limits, ...patch[s] };
    });
    checkLimits(effectiveLimits(this.#defaults, overrides));
    for (const site of SITES) {
      const changes = Object.entries(patch[site] ?? {});
      if (changes.length === 0) continue;
      await this.#readEnsured(tenant, site);
      const names: Record<string, string> = { '#l': 'limits' };
      const values: Record<string, unknown> = { ':one': 1 };
      const sets = changes.map(([r, n]) => {
        names[`#${r}`] = r;
        values[`:${r}`] = n;
        return `#l.#${r} = :${r}`;
      });
      await this.#update(
        tenant,
        site,
        `SET ${sets.join(', ')} ADD limitsVersion :one, version :one`,
        [],
        names,
        values,
      );
    }
    return this.view(tenant);
  }

  async entry(tenant: string, site: Site): Promise<QuotaLedgerEntry | undefined> {
    const stored = await this.#read(tenant, site);
    return stored ? entryOf(tenant, site, stored) : undefined;
  }

  async *entries(): AsyncIterable<QuotaLedgerEntry> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc
        .send(
          new QueryCommand({
            TableName: this.#name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': REGISTRY },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        )
        .catch((error: unknown) => {
          throw storeError(error);
        });
      for (const item of page.Items ?? []) {
        const tenant = String(item.sk);
        for (const site of SITES) {
          const stored = await this.#read(tenant, site);
          if (stored) yield entryOf(tenant, site, stored);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }

  async rebuild(entry: QuotaLedgerEntry, holds: QuotaHold[]): Promise<boolean> {
    const { expression, names, values } = rebuiltItem(holds);
    return this.#update(entry.tenant, entry.site, expression, ['#v = :v'], names, {
      ...values,
      ':v': entry.version,
    });
  }

  async #read(tenant: string, site: Site): Promise<StoredCounters | undefined> {
    try {
      const { Item } = await this.#doc.send(
        new GetCommand({ TableName: this.#name, Key: keyOf(tenant, site), ConsistentRead: true }),
      );
      const stored = Item as StoredCounters | undefined;
      // Only the limits are remembered (no totals, no holds): a reservation's conditions check the rest.
      if (stored?.holds)
        this.#known.set(`${tenant}#${site}`, {
          holds: {},
          ...(stored.limits ? { limits: stored.limits } : {}),
          ...(stored.limitsVersion === undefined ? {} : { limitsVersion: stored.limitsVersion }),
        });
      return stored;
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * The counter item without its holds: the limits and totals headroom is decided on. Placement reads
   * this on every create, and the holds map (one entry per resource) is most of the item's size.
   */
  async #readTotals(tenant: string, site: Site): Promise<StoredCounters | undefined> {
    try {
      const { Item } = await this.#doc.send(
        new GetCommand({
          TableName: this.#name,
          Key: keyOf(tenant, site),
          ConsistentRead: true,
          ProjectionExpression: TOTALS_PROJECTION,
        }),
      );
      return Item as StoredCounters | undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  /** The counter item, created (with an empty holds map) and registered on first use. */
  async #readEnsured(tenant: string, site: Site): Promise<StoredCounters> {
    const stored = await this.#read(tenant, site);
    if (stored?.holds) return stored;
    try {
      await this.#doc.send(new PutCommand({ TableName: this.#name, Item: { pk: REGISTRY, sk: tenant } }));
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#name,
          Key: keyOf(tenant, site),
          UpdateExpression:
            'SET holds = if_not_exists(holds, :empty), limits = if_not_exists(limits, :empty)',
          ExpressionAttributeValues: { ':empty': {} },
        }),
      );
    } catch (error) {
      throw storeError(error);
    }
    return (await this.#read(tenant, site)) ?? { holds: {}, limits: {} };
  }

  /** One conditional update; false when its condition failed (someone else changed the item first). */
  async #update(
    tenant: string,
    site: Site,
    expression: string,
    conditions: string[],
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#name,
          Key: keyOf(tenant, site),
          UpdateExpression: expression,
          ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error);
    }
  }
}
