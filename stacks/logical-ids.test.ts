import { describe, expect, it } from 'vitest';
import { testApp } from '../test/support/stacks/test-app.ts';
import { dev } from './config/dev.ts';
import { prod } from './config/prod.ts';

/**
 * The logical ids of stateful resources, pinned. CloudFormation replaces a resource whose logical id
 * changes: for these that means a new, empty table / key / secret / bucket (the old one is retained and
 * orphaned). A refactor that moves or renames one of these constructs must fail here first.
 */
const PINNED = {
  regional: {
    'AWS::KMS::Key': [
      'KeysDataKey8F3FE3A4',
      'KeysLogsKeyD24E82DB',
      'KeysMessagingKey25371927',
      'KeysSecretsKey3899A925',
    ],
    'AWS::SecretsManager::Secret': [
      'AuditIntegrityKeyDigestSecret335ED48D',
      'CursorSecretABAE1358',
      'OpenStackSecret6EEA4880',
    ],
    'AWS::S3::Bucket': ['AuditIntegrityAnchorBucketA623B980'],
  },
  data: {
    'AWS::DynamoDB::GlobalTable': ['BrokerTableDE11FB7C', 'IdempotencyTable22A5A209'],
    'AWS::KMS::Key': ['BackupKey60B97760'],
    'AWS::Backup::BackupVault': ['BackupVault3A9C5852'],
  },
  portal: {
    'AWS::S3::Bucket': ['AccessLogBucketDA470295', 'ContentBucket52D4B12C'],
    'AWS::KMS::Key': ['ContentKey78A057A4', 'LogsKeyA6AB43B2'],
  },
} as const;

describe.each([dev, prod])('stateful logical ids ($stage)', (config) => {
  const app = testApp(config);
  const ids = (stack: Parameters<typeof app.template>[0], type: string) =>
    Object.keys(app.template(stack).findResources(type)).sort();

  it.each(app.stacks.regional.map((s) => [s.stackName, s] as const))('%s', (_name, stack) => {
    for (const [type, expected] of Object.entries(PINNED.regional))
      expect(ids(stack, type)).toEqual([...expected]);
  });

  it('data stack', () => {
    for (const [type, expected] of Object.entries(PINNED.data))
      expect(ids(app.stacks.data, type)).toEqual([...expected]);
  });

  it('portal stack', () => {
    for (const [type, expected] of Object.entries(PINNED.portal))
      expect(ids(app.stacks.portal, type)).toEqual([...expected]);
  });

  it('every pinned resource is retained on delete and on replacement', () => {
    const stacks = [
      ...app.stacks.regional.map((s) => [s, PINNED.regional] as const),
      [app.stacks.data, PINNED.data] as const,
      [app.stacks.portal, PINNED.portal] as const,
    ];
    for (const [stack, pinned] of stacks)
      for (const [type, logicalIds] of Object.entries(pinned)) {
        const found = app.template(stack).findResources(type);
        for (const id of logicalIds)
          expect(found[id], `${stack.stackName}/${id}`).toMatchObject({
            DeletionPolicy: 'Retain',
            UpdateReplacePolicy: 'Retain',
          });
      }
  });
});
