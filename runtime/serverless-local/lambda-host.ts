import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

/**
 * One execution environment of a bundled function, as a child process: imports the bundle once (Lambda's
 * init phase, the cold start), then answers invocations sent over IPC one at a time with a Lambda-shaped
 * `context`. The parent enforces the timeout (it kills this process, as Lambda ends a timed-out sandbox).
 * Runs the synthesised bundle only: `HCB_LAMBDA_MODULE` names its file, `HCB_LAMBDA_EXPORT` the handler.
 */

interface Invoke {
  type: 'invoke';
  id: string;
  event: unknown;
  deadline: number;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const moduleFile = process.env.HCB_LAMBDA_MODULE!;
const exportName = process.env.HCB_LAMBDA_EXPORT ?? 'handler';
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';

const loaded: Promise<Handler> = import(pathToFileURL(moduleFile).href).then((mod) => {
  const handler = (mod as Record<string, unknown>)[exportName];
  if (typeof handler !== 'function') throw new Error(`${moduleFile} exports no ${exportName}()`);
  return handler as Handler;
});

loaded.then(
  () => process.send?.({ type: 'ready' }),
  (error: unknown) => {
    process.send?.({ type: 'initError', message: String((error as Error)?.stack ?? error) });
    process.exit(1);
  },
);

process.on('message', async (message: Invoke) => {
  if (message.type !== 'invoke') return;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.HCB_LAMBDA_ARN ?? functionName,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: message.id || randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  try {
    const handler = await loaded;
    const value = await handler(message.event, context);
    process.send?.({ type: 'result', id: message.id, ok: true, value });
  } catch (error) {
    // What Lambda reports for an unhandled error: its type and message (the function logged the rest).
    const e = error as Error;
    process.send?.({
      type: 'result',
      id: message.id,
      ok: false,
      error: { errorType: e?.name ?? 'Error', errorMessage: e?.message ?? String(error) },
    });
  }
});

// The parent going away ends the sandbox too.
process.on('disconnect', () => process.exit(0));
