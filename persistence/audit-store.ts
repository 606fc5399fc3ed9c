import { Entity } from 'dynamodb-toolbox/entity';
import type { Condition } from 'dynamodb-toolbox/entity/actions/parseCondition';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { findBrokenLink, GENESIS_HASH, sealRecord } from '../core/audit/hash-chain.ts';
import { BrokerError } from '../core/errors.ts';
import type { AuditEntry, AuditFilter, AuditRecord } from '../core/model/audit.ts';
import type { AuditAnchor, AuditLog, AuditVerification, ChainHead } from '../core/ports/audit-log.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import type { CursorCodec } from './cursor.ts';
import { listScope } from './cursor.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

const seqKey = (seq: number) => seq.toString().padStart(12, '0');

function createAuditEntity(table: BrokerTable) {
  return new Entity({
    name: 'AuditRecord',
    table,
    timestamps: false,
    schema: item({
      chain: string().key(),
      seq: number().key(),
      record: any(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ chain, seq }: { chain: string; seq: number }) => ({
      pk: `AUDIT#${chain}`,
      sk: seqKey(seq),
    }),
  });
}

/**
 * The audit log as a hash chain per broker region. Appending reads the chain's last record and writes
 * the next sequence number on the condition that nobody took it — concurrent appenders retry, so the
 * chain has no gaps and no forks without needing transactions. Each stored record's head is then
 * recorded in an append-only anchor outside the table, so deleting the newest records is detected too.
 */
export class AuditStore implements AuditLog {
  readonly #table: BrokerTable;
  readonly #entity: ReturnType<typeof createAuditEntity>;
  readonly #chain: string;
  readonly #clock: Clock;
  readonly #cursors: CursorCodec;
  /**
   * The chain's last record as this process last wrote or read it. Appending from it saves a read per
   * request; the conditional put still guards correctness — when another writer got there first, the
   * head is re-read and the append retried.
   */
  #head: { seq: number; hash: string } | undefined;

  readonly #anchor: AuditAnchor;
  readonly #log: Logger | undefined;
  /**
   * Group commit of anchor writes: concurrent appends share one write of the highest head among them
   * (an anchor only needs the newest head; a lower one is covered by it). `#queued`: the highest head
   * not yet handed to a write; `#covered`: the highest head a finished write carried.
   */
  #queued: ChainHead | undefined;
  /** The end of this process's queue of appends (settled: a failed append does not stop the next). */
  #appended: Promise<unknown> = Promise.resolve();
  #anchoring: Promise<void> | undefined;
  #covered = 0;

  constructor(
    table: BrokerTable,
    chain: string,
    clock: Clock,
    cursors: CursorCodec,
    anchor: AuditAnchor,
    log?: Logger,
  ) {
    this.#table = table;
    this.#cursors = cursors;
    this.#entity = createAuditEntity(table);
    this.#chain = chain;
    this.#clock = clock;
    this.#anchor = anchor;
    this.#log = log;
  }

  async append(entry: AuditEntry): Promise<AuditRecord> {
    // One append of this process at a time: concurrent ones would all build on the same cached head, and
    // all but one lose the conditional put, re-read and back off — under a burst of requests that costs
    // seconds. Queued, each takes one put; other processes still meet the condition.
    const stored = this.#appended.then(() => this.#store(entry));
    this.#appended = stored.catch(() => undefined);
    const record = await stored;
    await this.#anchorHead({ seq: record.seq, hash: record.hash });
    return record;
  }

  async #store(entry: AuditEntry): Promise<AuditRecord> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const last = this.#head ?? (await this.#last());
      const record = sealRecord(
        JSON.parse(JSON.stringify(entry)) as AuditEntry,
        this.#chain,
        (last?.seq ?? 0) + 1,
        this.#clock.now().toISOString(),
        last?.hash ?? GENESIS_HASH,
      );
      try {
        await this.#entity
          .build(PutItemCommand)
          .item({
            chain: this.#chain,
            seq: record.seq,
            record,
            gsi1pk: `AUDIT-TENANT#${entry.resource.tenant}`,
            gsi1sk: `${record.at}#${this.#chain}#${seqKey(record.seq)}`,
          })
          .options({ condition: { attr: 'seq', exists: false } })
          .send();
        this.#head = { seq: record.seq, hash: record.hash };
      } catch (error) {
        this.#head = undefined;
        if (!isConditionFailure(error)) throw storeError(error);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
        continue;
      }
      return record;
    }
    throw new BrokerError('audit.contention', 'could not append to the audit chain', {
      retryAfterSeconds: 1,
    });
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    const scope = listScope(`AUDIT#${this.#chain}`, page.viewer ?? '', filter);
    const query =
      filter.tenant === undefined
        ? { partition: `AUDIT#${this.#chain}` }
        : { index: 'gsi1' as const, partition: `AUDIT-TENANT#${filter.tenant}` };
    const conditions: Condition<ReturnType<typeof createAuditEntity>>[] = [];
    if (filter.action !== undefined) conditions.push({ attr: 'record.action', eq: filter.action });
    if (filter.from !== undefined) conditions.push({ attr: 'record.at', gte: filter.from });
    if (filter.to !== undefined) conditions.push({ attr: 'record.at', lte: filter.to });
    let startKey: Record<string, unknown> | undefined =
      page.cursor === undefined ? undefined : this.#cursors.decode(page.cursor, scope);
    const items: AuditRecord[] = [];
    try {
      do {
        const { Items = [], LastEvaluatedKey } = await this.#table
          .build(QueryCommand)
          .entities(this.#entity)
          .query(query)
          .options({
            reverse: true,
            limit: Math.max(page.limit, 25),
            ...(startKey ? { exclusiveStartKey: startKey } : {}),
            ...(conditions.length > 0 ? { filters: { AuditRecord: { and: conditions } } } : {}),
          })
          .send();
        for (const [index, found] of Items.entries()) {
          const record = found.record as AuditRecord;
          items.push(record);
          if (items.length === page.limit) {
            const more = index < Items.length - 1 || LastEvaluatedKey !== undefined;
            if (!more) return { items };
            const key: Record<string, string> = { pk: `AUDIT#${record.chain}`, sk: seqKey(record.seq) };
            if (filter.tenant !== undefined) {
              key.gsi1pk = `AUDIT-TENANT#${filter.tenant}`;
              key.gsi1sk = `${record.at}#${record.chain}#${seqKey(record.seq)}`;
            }
            return { items, nextCursor: this.#cursors.encode(key, scope) };
          }
        }
        startKey = LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw storeError(error);
    }
    return { items };
  }

  /**
   * Resolves once a write carrying `head` or a later one has finished: at most one anchor write runs at
   * a time, and the appends that arrive meanwhile share the next one.
   */
  async #anchorHead(head: ChainHead): Promise<void> {
    if (this.#queued === undefined || head.seq > this.#queued.seq) this.#queued = head;
    while (this.#covered < head.seq) {
      if (this.#anchoring) {
        await this.#anchoring;
        continue;
      }
      const next = this.#queued;
      if (next === undefined) return;
      this.#queued = undefined;
      this.#anchoring = this.#writeAnchor(next).finally(() => {
        this.#covered = Math.max(this.#covered, next.seq);
        this.#anchoring = undefined;
      });
    }
  }

  /**
   * The record is stored: failing the request now would make its caller append it twice, so an anchor
   * write that fails is logged and left to the next append, whose higher head covers this one.
   */
  async #writeAnchor(head: ChainHead): Promise<void> {
    try {
      await this.#anchor.record(this.#chain, head);
    } catch (error) {
      this.#log?.error('audit anchor write failed', {
        chain: this.#chain,
        seq: head.seq,
        error: String(error),
      });
    }
  }

  /**
   * Walks the chain, then holds it against the anchor: the anchor is read first, so every head it holds
   * was stored before the walk — a table that ends before the anchored head lost its newest records, and
   * a record at the anchored sequence number with another hash was rewritten.
   */
  async verify(): Promise<AuditVerification> {
    const anchored = await this.#anchor.latest(this.#chain);
    const walked = await this.#walk(anchored?.seq);
    const anchor = anchored ? { anchoredSeq: anchored.seq } : {};
    if (!walked.ok) return { ...walked, ...anchor };
    if (anchored === undefined) return walked;
    if (walked.records < anchored.seq)
      return {
        chain: this.#chain,
        records: walked.records,
        ok: false,
        brokenAt: walked.records + 1,
        ...anchor,
        reason: `records ${walked.records + 1} to ${anchored.seq} are missing: the anchor holds head ${anchored.seq}`,
      };
    if (walked.hashAtAnchor !== anchored.hash)
      return {
        chain: this.#chain,
        records: walked.records,
        ok: false,
        brokenAt: anchored.seq,
        ...anchor,
        reason: `record ${anchored.seq} does not match the anchored head`,
      };
    return { chain: this.#chain, records: walked.records, ok: true, ...anchor };
  }

  async #walk(anchoredSeq: number | undefined): Promise<AuditVerification & { hashAtAnchor?: string }> {
    let prev = GENESIS_HASH;
    let count = 0;
    let hashAtAnchor: string | undefined;
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.#table
        .build(QueryCommand)
        .entities(this.#entity)
        .query({ partition: `AUDIT#${this.#chain}` })
        .options({ consistent: true, limit: 500, ...(startKey ? { exclusiveStartKey: startKey } : {}) })
        .send();
      const records = Items.map((found) => found.record as AuditRecord);
      for (const [i, record] of records.entries()) {
        if (record.seq !== count + i + 1)
          return {
            chain: this.#chain,
            records: count + i,
            ok: false,
            brokenAt: count + i + 1,
            reason: `record ${count + i + 1} is missing`,
          };
        if (record.seq === anchoredSeq) hashAtAnchor = record.hash;
      }
      const broken = findBrokenLink(records, prev);
      if (broken !== undefined)
        return {
          chain: this.#chain,
          records: count,
          ok: false,
          brokenAt: broken,
          reason: `record ${broken} does not match its hash or its predecessor's`,
        };
      count += records.length;
      prev = records.at(-1)?.hash ?? prev;
      startKey = LastEvaluatedKey;
    } while (startKey);
    return { chain: this.#chain, records: count, ok: true, ...(hashAtAnchor ? { hashAtAnchor } : {}) };
  }

  async #last(): Promise<AuditRecord | undefined> {
    const { Items = [] } = await this.#table
      .build(QueryCommand)
      .entities(this.#entity)
      .query({ partition: `AUDIT#${this.#chain}` })
      .options({ reverse: true, limit: 1, maxPages: 1, consistent: true })
      .send();
    return Items[0]?.record as AuditRecord | undefined;
  }
}
