/** Polls `read` until `done` holds or the time runs out; returns the last value read. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what ?? 'a condition'}; last: ${JSON.stringify(last)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
    last = await read();
  }
  return last;
}
