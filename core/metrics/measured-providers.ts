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

/**
 * The provider itself behind a proxy: its services and its health and limits calls are measured; every other
 * property (a connector's own clients, which another target's connector of the same cloud reads to copy an
 * image between them) and `instanceof` stay the provider's.
 */
function measuredProvider(provider: CloudProvider, metrics: BrokerMetrics): CloudProvider {
  const targetId = provider.target.id;
  const report =
    (service: string): Report =>
    (outcome, ms) =>
      metrics.cloudCall(targetId, service, outcome, ms);
  const services = new Map<string, unknown>();
  for (const name of SERVICES)
    if (provider[name] !== undefined)
      services.set(name, measuredService(provider[name] as object, report(name)));
  return new Proxy(provider, {
    get(target, property) {
      if (typeof property === 'string' && services.has(property)) return services.get(property);
      if (property === 'health') return () => timed(target.health(), report('health'));
      if (property === 'limits' && target.limits) return () => timed(target.limits!(), report('limits'));
      const value: unknown = Reflect.get(target, property, target);
      // Methods run on the provider itself, so its private fields keep working.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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
