import type { EventLog, OperationOutbox } from '../ports/events.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * Copies the events finished operations carry (their outbox) into each tenant's event log, then clears
 * the outbox. A crash between the two copies again on the next pass: the log keeps one event per id.
 */
export class OutboxRelay {
  readonly #outbox: OperationOutbox;
  readonly #log: EventLog;
  readonly #logger: Logger;

  constructor(deps: { outbox: OperationOutbox; log: EventLog; logger: Logger }) {
    this.#outbox = deps.outbox;
    this.#log = deps.log;
    this.#logger = deps.logger;
  }

  /** One pass; returns how many operations' events it moved. */
  async pass(limit = 100): Promise<number> {
    const pending = await this.#outbox.listWithOutbox(limit);
    let moved = 0;
    for (const op of pending) {
      if (!op.outbox?.length) continue;
      await this.#log.append(op.outbox);
      if (await this.#outbox.clearOutbox(op.tenant, op.id)) moved += 1;
      else this.#logger.debug('outbox changed while relaying', { operationId: op.id });
    }
    return moved;
  }
}
