import type { Cloud, TargetCatalogue } from '../core/model/target.ts';
import type { ProviderFactory } from '../core/ports/cloud/provider.ts';
import type { BrokerConfig } from './config.ts';

/**
 * The connector for each cloud kind a catalogue may name. Each connector (and its SDK clients: the EC2
 * client alone is half a MiB) is imported the first time a target of its cloud is built, so a Lambda
 * cold start loads only the clouds its catalogue names; the bundler puts each one in its own chunk
 * (stacks/lambda-esbuild.ts).
 */
export function defaultProviderFactories(
  config: BrokerConfig,
  catalogue: TargetCatalogue,
  sandboxDataDir: string | undefined,
): Partial<Record<Cloud, ProviderFactory>> {
  return {
    sandbox: onFirstUse(async () => {
      const { sandboxFactory } = await import('../connectors/sandbox/sandbox-provider.ts');
      return sandboxFactory({
        ...(sandboxDataDir ? { dataDir: sandboxDataDir } : {}),
        sizes: catalogue.sizes,
        baseUrl: config.publicBaseUrl,
      });
    }),
    // Credentials from the SDK's default chain; the endpoint from AWS_ENDPOINT_URL (emulators) when set.
    aws: onFirstUse(async () => (await import('../connectors/aws/aws-provider.ts')).awsFactory()),
    // Credentials by reference (env:, file:, secretsmanager:), never in targets.yaml.
    openstack: onFirstUse(async () => {
      const [{ openstackFactory }, { secretsManagerResolver }] = await Promise.all([
        import('../connectors/openstack/openstack-provider.ts'),
        import('./aws/secret-resolver.ts'),
      ]);
      return openstackFactory({ resolveSecret: secretsManagerResolver() });
    }),
  };
}

/** A factory whose real one is loaded once, when the first target of its cloud is built. */
function onFirstUse(load: () => Promise<ProviderFactory>): ProviderFactory {
  let factory: Promise<ProviderFactory> | undefined;
  return async (target) => {
    factory ??= load().catch((error: unknown) => {
      factory = undefined;
      throw error;
    });
    return (await factory)(target);
  };
}
