import { awsFactory } from '../connectors/aws/aws-provider.ts';
import { openstackFactory } from '../connectors/openstack/openstack-provider.ts';
import { sandboxFactory } from '../connectors/sandbox/sandbox-provider.ts';
import type { Cloud, TargetCatalogue } from '../core/model/target.ts';
import type { ProviderFactory } from '../core/ports/cloud/provider.ts';
import { secretsManagerResolver } from './aws/secret-resolver.ts';
import type { BrokerConfig } from './config.ts';

/** The connector for each cloud kind a catalogue may name. */
export function defaultProviderFactories(
  config: BrokerConfig,
  catalogue: TargetCatalogue,
  sandboxDataDir: string | undefined,
): Partial<Record<Cloud, ProviderFactory>> {
  return {
    sandbox: sandboxFactory({
      ...(sandboxDataDir ? { dataDir: sandboxDataDir } : {}),
      sizes: catalogue.sizes,
      baseUrl: config.publicBaseUrl,
    }),
    // Credentials from the SDK's default chain; the endpoint from AWS_ENDPOINT_URL (emulators) when set.
    aws: awsFactory(),
    // Credentials by reference (env:, file:, secretsmanager:), never in targets.yaml.
    openstack: openstackFactory({ resolveSecret: secretsManagerResolver() }),
  };
}
