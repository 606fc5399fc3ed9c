import type { Cloud, TargetCatalogue } from '../core/model/target.ts';
import type { CloudProvider, ProviderFactory, ProviderRegistry } from '../core/ports/cloud/provider.ts';

/** Builds every catalogue target's provider with the factory for its cloud. */
export async function buildProviderRegistry(
  catalogue: TargetCatalogue,
  factories: Partial<Record<Cloud, ProviderFactory>>,
): Promise<ProviderRegistry & { close(): Promise<void> }> {
  const providers = new Map<string, CloudProvider>();
  for (const target of catalogue.targets) {
    const factory = factories[target.cloud];
    if (!factory)
      throw new Error(
        `targets.yaml: target ${target.id} needs the ${target.cloud} connector, which is not configured`,
      );
    providers.set(target.id, await factory(target));
  }
  return {
    get(targetId) {
      const provider = providers.get(targetId);
      if (!provider) throw new Error(`no provider for target ${targetId}`);
      return provider;
    },
    all: () => [...providers.values()],
    async close() {
      await Promise.all([...providers.values()].map((p) => p.close?.()));
    },
  };
}
