import { Entity } from 'dynamodb-toolbox/entity';
import { AccessPattern } from 'dynamodb-toolbox/entity/actions/accessPattern';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import { encodeTime, monotonicFactory } from 'ulid';
import type { BrokerEvent, EventKind, EventLog, LoggedEvent } from '../core/ports/events.ts';
import { type BrokerTable, TTL_ATTRIBUTE } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

function createEventEntity(table: BrokerTable) {
  return new Entity({
    name: 'Event',
    table,
    timestamps: false,
    schema: item({
      tenant: string().key(),
      id: string().key(),
      kind: string(),
      time: string(),
      data: any(),
      // The log order: `EVENTLOG#<tenant>` / position (a ULID drawn when the event was appended).
      gsi1pk: string(),
      gsi1sk: string(),
      // DynamoDB's TTL removes events after the retention period (dynalite ignores it).
      expiration: number(),
    }),
    computeKey: ({ tenant, id }: { tenant: string; id: string }) => ({
      pk: `EVENTS#${tenant}`,
      sk: `EVT#${id}`,
    }),
  });
}

const position = monotonicFactory();

/** How long a tenant's log keeps an event: a client or webhook away for longer resumes at what is left. */
export const EVENT_RETENTION_DAYS = 30;

/**
 * Each tenant's event log in the broker table: one item per event id (a conditional put, so an event
 * offered twice is stored once) and the log order on the sparse index. Readers see only positions
 * older than `settleMs`; an append that took longer than half that moves its event to a fresh position,
 * so a position a reader has already passed is never filled in later (no gaps on resume).
 */
export class EventLogStore implements EventLog {
  readonly #entity;
  readonly #byPosition;
  readonly #settleMs: number;

  constructor(table: BrokerTable, options: { settleMs: number }) {
    this.#entity = createEventEntity(table);
    this.#settleMs = options.settleMs;
    this.#byPosition = this.#entity
      .build(AccessPattern)
      .schema(item({ tenant: string(), after: string(), before: string() }))
      .pattern(({ tenant, after, before }) => ({
        index: 'gsi1',
        partition: `EVENTLOG#${tenant}`,
        range: { between: [after, before] },
      }))
      .meta({ title: "A tenant's event log", description: 'oldest first, by position' });
  }

  async append(events: readonly BrokerEvent[]): Promise<void> {
    for (const event of events) await this.#appendOne(event);
  }

  async #appendOne(event: BrokerEvent): Promise<void> {
    let drawnAt = Date.now();
    let at = position(drawnAt);
    try {
      await this.#entity
        .build(PutItemCommand)
        .item({
          ...event,
          data: event.data,
          gsi1pk: `EVENTLOG#${event.tenant}`,
          gsi1sk: at,
          [TTL_ATTRIBUTE]: Math.floor(drawnAt / 1000) + EVENT_RETENTION_DAYS * 86_400,
        })
        .options({ condition: { attr: 'id', exists: false } })
        .send();
    } catch (error) {
      if (isConditionFailure(error)) return; // already in the log: once per id
      throw storeError(error);
    }
    // Slow write: a reader may already have moved past `at`. Move the event ahead of every reader.
    while (Date.now() - drawnAt > this.#settleMs / 2) {
      drawnAt = Date.now();
      at = position(drawnAt);
      try {
        await this.#entity
          .build(UpdateItemCommand)
          .item({ tenant: event.tenant, id: event.id, gsi1sk: at })
          .send();
      } catch (error) {
        throw storeError(error);
      }
    }
  }

  positionNow(): string {
    return `${encodeTime(Date.now(), 10)}0000000000000000`;
  }

  async readAfter(tenant: string, after: string | undefined, limit: number): Promise<LoggedEvent[]> {
    const before = `${encodeTime(Math.max(0, Date.now() - this.#settleMs), 10)}0000000000000000`;
    const from = after ?? '0';
    if (from >= before) return [];
    try {
      const { Items = [] } = await this.#byPosition
        .query({ tenant, after: from, before })
        .options({ limit: limit + 1, maxPages: 1 })
        .send();
      return Items.filter((found) => found.gsi1sk !== after)
        .slice(0, limit)
        .map((found) => ({
          id: found.id,
          kind: found.kind as EventKind,
          tenant: found.tenant,
          time: found.time,
          data: found.data as BrokerEvent['data'],
          position: found.gsi1sk,
        }));
    } catch (error) {
      throw storeError(error);
    }
  }
}
