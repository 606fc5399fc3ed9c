import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BrokerError } from '../../core/errors.ts';

/**
 * Resolves `secretsmanager:<arn or name>` references (OpenStack credentials in targets.yaml) through the
 * SDK's default credential chain. The client is made on first use, so a broker without such references
 * never touches Secrets Manager.
 */
export function secretsManagerResolver(): (secretId: string) => Promise<string> {
  let client: SecretsManagerClient | undefined;
  return async (secretId) => {
    client ??= new SecretsManagerClient({});
    try {
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
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
