import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BrokerError } from '../../core/errors.ts';

/**
 * Resolves `secretsmanager:<arn or name>` references (OpenStack credentials in targets.yaml) through the
 * SDK's default credential chain. The client (and the SDK module) is loaded on first use, so a broker
 * without such references never touches Secrets Manager, and a cold start does not import it.
 */
export function secretsManagerResolver(): (secretId: string) => Promise<string> {
  let client: SecretsManagerClient | undefined;
  return async (secretId) => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({});
    try {
      const { SecretString } = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
      if (SecretString === undefined)
        throw new BrokerError('secrets.misconfigured', 'the credentials secret holds no string value');
      return SecretString;
    } catch (error) {
      if (error instanceof BrokerError) throw error;
      // The message names neither the secret's value nor anything from it.
      throw new BrokerError('secrets.unavailable', 'the credentials secret could not be read', {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
  };
}
