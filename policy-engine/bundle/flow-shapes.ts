import { type Context, checkParseContext, checkParseEntities } from '@cedar-policy/cedar-wasm/nodejs';
import type { Principal } from '../../core/model/principal.ts';
import type { Target } from '../../core/model/target.ts';
import { attachContext, copyContext, exposeContext, linkContext, linkDestination } from '../flow-entities.ts';
import { type BundleProblems, describeCedarError } from './bundle-problems.ts';
import type { FlowAction } from './engine-actions.ts';
import type { SchemaModel } from './schema-model.ts';

const principal: Principal = { sub: 'check', tenant: 'check', roles: ['app'] };
const target: Target = {
  id: 'check',
  cloud: 'sandbox',
  region: 'check',
  site: 'onprem',
  description: 'check',
  kinds: ['vm'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: {},
  images: {},
  connection: {},
};
const from = { classification: 'phi', target, tenant: 'check' } as const;

/**
 * The flow contexts and link destinations the broker builds (flow-entities.ts) must fit the schema's
 * AttachContext, CopyContext, LinkContext, Workload and Network. Checked once at load, like the placement
 * context, so that a schema edit the code does not follow refuses to start instead of denying every flow.
 */
export function checkFlowShapes(schema: SchemaModel, problems: BundleProblems): void {
  const contexts: Record<FlowAction, Context> = {
    attach: attachContext({
      principal,
      volume: { classification: 'phi' },
      vm: { classification: 'pii' },
      target,
    }),
    copy: copyContext({
      principal,
      artefact: { kind: 'snapshot', classification: 'phi' },
      from: target,
      to: target,
    }),
    link: linkContext({
      principal,
      from,
      to: { kind: 'cidr', cidr: '10.0.0.0/8', internet: false },
      port: 443,
      protocol: 'tcp',
    }),
    expose: exposeContext({ principal, workload: { classification: 'internal' }, target }),
  };
  for (const [action, context] of Object.entries(contexts)) {
    const answer = checkParseContext({
      context,
      schema: schema.file.text,
      action: { type: 'Action', id: action },
    });
    if (answer.type === 'failure')
      for (const error of answer.errors)
        problems.add(
          schema.file,
          `the ${action} context the broker sends does not fit: ${describeCedarError(error)}`,
        );
  }
  const destinations = [
    linkDestination({ ...from, kind: 'vm', serviceEndpoint: true }),
    linkDestination({ kind: 'cidr', cidr: '10.0.0.0/8', internet: false }),
  ];
  const entities = checkParseEntities({ entities: destinations, schema: schema.file.text });
  if (entities.type === 'failure')
    for (const error of entities.errors)
      problems.add(
        schema.file,
        `a link destination the broker sends does not fit: ${describeCedarError(error)}`,
      );
}
