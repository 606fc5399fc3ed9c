import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repositoryViolations, sourceFiles, violationsOf } from './import-rules.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Dependencies run one way (docs/architecture.md): this fails the test command when one does not. */
describe('import rules', () => {
  it('hold for every .ts file of the repository', () => {
    expect(sourceFiles(root).length).toBeGreaterThan(300);
    expect(repositoryViolations(root)).toEqual([]);
  });

  it.each([
    ['core/vms/x.ts', "import { Ec2 } from '../../connectors/aws/ec2.ts';", 'core may import only core'],
    ['core/vms/x.ts', "import type { ApiEnv } from '../../api/context.ts';", 'core may import only core'],
    ['core/vms/x.ts', "import { t } from '../../persistence/broker-table.ts';", 'core may import only core'],
    ['core/vms/x.ts', "const m = await import('../../runtime/compose.ts');", 'core may import only core'],
    ['core/vms/x.ts', "import { Hono } from 'hono';", 'core uses no package'],
    ['core/vms/x.ts', "import { EC2Client } from '@aws-sdk/client-ec2';", 'core uses no package'],
    ['core/vms/x.ts', "import { Entity } from 'dynamodb-toolbox';", 'core uses no package'],
    [
      'persistence/x.ts',
      "export type { G } from '../api/middleware/idempotency.ts';",
      'persistence may import',
    ],
    ['connectors/aws/x.ts', "import { n } from '../openstack/nova.ts';", 'a connector never imports another'],
    ['connectors/aws/x.ts', "import { p } from '../../persistence/cursor.ts';", 'connectors may import'],
    [
      'functions/x.ts',
      "import { p } from '../persistence/vm-store.ts';",
      'functions may import only functions, core, runtime',
    ],
    ['policy-engine/x.ts', "import { a } from '../api/app.ts';", 'policy-engine may import'],
    ['stacks/x.ts', "import { o } from '../test/openstack/openstack-target.ts';", 'production code never'],
    ['policy-engine/x.ts', "import { s } from '../test/support/wait-for.ts';", 'production code never'],
    ['runtime/x.ts', "import { f } from '../connectors/openstack/thing.test.ts';", 'production code never'],
    [
      'portal/x.ts',
      "import { b } from '../runtime/local/embedded-broker.ts';",
      'portal may import only portal',
    ],
  ])('refuses %s importing: %s', (file, line, rule) => {
    expect(violationsOf(file, line).map((v) => v.rule)).toEqual([expect.stringContaining(rule)]);
  });

  it('lets each part import what the architecture allows', () => {
    expect(violationsOf('api/x.ts', "import { c } from '../core/ids.ts';\nimport 'hono';")).toEqual([]);
    expect(
      violationsOf('connectors/aws/x.ts', "import { e } from './ec2.ts';\nimport '../../core/ids.ts';"),
    ).toEqual([]);
    expect(
      violationsOf('core/vms/x.ts', "import { z } from 'zod';\nimport { h } from 'node:crypto';"),
    ).toEqual([]);
    expect(violationsOf('core/vms/x.test.ts', "import { it } from 'vitest';")).toEqual([]);
    // The portal's build scripts start the broker to print its OpenAPI document.
    expect(
      violationsOf('portal/scripts/x.ts', "import { b } from '../../runtime/local/embedded-broker.ts';"),
    ).toEqual([]);
  });
});
