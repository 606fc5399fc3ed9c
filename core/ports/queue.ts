/** Where operations wait for the worker. SQS in AWS; an in-process timer queue on the embedded default. */
export interface OperationRef {
  tenant: string;
  operationId: string;
}

export interface OperationQueue {
  /** Delivers `ref` to the worker after `delayMs` (at-least-once; the worker tolerates duplicates). */
  enqueue(ref: OperationRef, delayMs?: number): Promise<void>;
}
