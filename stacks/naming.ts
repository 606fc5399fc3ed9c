import { idempotencyTableName } from '../persistence/broker-table.ts';
import type { StageConfig } from './config/stage-config.ts';

/**
 * Names that must agree across stacks and regions without cross-stack references: the global tables are
 * addressed by name in every region, and the data stack finds each region's table key by its alias.
 */
export const names = {
  project: 'hcb',
  stackPrefix: (c: StageConfig) => `hcb-${c.stage}`,
  regionalStack: (c: StageConfig, region: string) => `hcb-${c.stage}-regional-${region}`,
  dataStack: (c: StageConfig) => `hcb-${c.stage}-data`,
  portalStack: (c: StageConfig) => `hcb-${c.stage}-portal`,
  tableName: (c: StageConfig) => `hcb-${c.stage}-broker`,
  idempotencyTableName: (c: StageConfig) => idempotencyTableName(names.tableName(c)),
  /** Alias of the per-region key that encrypts that region's replica of the global tables. */
  dataKeyAlias: (c: StageConfig) => `alias/hcb/${c.stage}/data`,
  /** Same name in every region, so `credentialsRef: secretsmanager:<name>` in targets.yaml works everywhere. */
  openstackSecretName: (c: StageConfig) => `hcb/${c.stage}/openstack`,
  cursorSecretName: (c: StageConfig) => `hcb/${c.stage}/cursor-key`,
  /** Dashboards are global to the account: the region is part of the name. */
  dashboardName: (c: StageConfig, region: string) => `hcb-${c.stage}-${region}`,
} as const;

/** Where the portal stack lives: CloudFront's certificate and WAF web ACL must be in us-east-1. */
export const EDGE_REGION = 'us-east-1';
