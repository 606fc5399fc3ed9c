import { describeError } from '../errors.ts';
import type { CloudProvider, ProviderRegistry } from '../ports/cloud/provider.ts';
import type { BrokerMetrics } from '../ports/metrics.ts';

const SERVICES = ['compute', 'blockStorage', 'objectStorage', 'network', 'images', 'payloads'] as const;

/**
 * Every provider of `registry`, with each call to its services timed and counted by target, service and
 * outcome (`ok` or the error's code). One wrapper, so no connector needs to know about metrics.
 */
export function measuredProviders(registry: ProviderRegistry, metrics: BrokerMetrics): ProviderRegistry {
  const wrapped = new Map<CloudProvider, CloudProvider>();
  const wrap = (provider: CloudProvider): CloudProvider => {
    let measured = wrapped.get(provider);
    if (!measured) {
      measured = measuredProvider(provider, metrics);
      wrapped.set(provider, measured);
    }
    return measured;
  };
  return {
    get: (targetId) => wrap(registry.get(targetId)),
    all: () => registry.all().map(wrap),
  };
}

function measuredProvider(provider: CloudProvider, metrics: BrokerMetrics): CloudProvider {
  const targetId = provider.target.id;
  const services = Object.fromEntries(
    SERVICES.filter((name) => provider[name] !== undefined).map((name) => [
      name,
      measuredService(provider[name] as object, (outcome, ms) =>
        metrics.cloudCall(targetId, name, outcome, ms),
      ),
    ]),
  );
  return {
    target: provider.target,
    capabilities: provider.capabilities,
    ...(services as Pick<CloudProvider, Exclude<(typeof SERVICES)[number], 'payloads'>>),
    health: () =>
      timed(provider.health(), (outcome, ms) => metrics.cloudCall(targetId, 'health', outcome, ms)),
    ...(provider.limits
      ? {
          limits: () =>
            timed(provider.limits!(), (outcome, ms) => metrics.cloudCall(targetId, 'limits', outcome, ms)),
        }
      : {}),
    ...(provider.close ? { close: () => provider.close!() } : {}),
  };
}

type Report = (outcome: string, ms: number) => void;

/** The service with its methods timed; methods run on the original object (private fields keep working). */
function measuredService<T extends object>(service: T, report: Report): T {
  return new Proxy(service, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (isPromise(result)) return timed(result, report);
        if (isAsyncIterable(result)) return timedIteration(result, report);
        return result;
      };
    },
  });
}

async function timed<T>(promise: Promise<T>, report: Report): Promise<T> {
  const started = performance.now();
  try {
    const value = await promise;
    report('ok', performance.now() - started);
    return value;
  } catch (error) {
    report(describeError(error).code, performance.now() - started);
    throw error;
  }
}

/** A listing counts as one call from its first page to its end (or its failure). */
async function* timedIteration<T>(iterable: AsyncIterable<T>, report: Report): AsyncGenerator<T> {
  const started = performance.now();
  let failure: string | undefined;
  try {
    yield* iterable;
  } catch (error) {
    failure = describeError(error).code;
    throw error;
  } finally {
    // A consumer that stops early (found what it looked for) ends the call too.
    report(failure ?? 'ok', performance.now() - started);
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | undefined)?.then === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | undefined)?.[Symbol.asyncIterator] === 'function';
}
