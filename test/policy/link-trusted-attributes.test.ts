import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import { LinkService } from '../../core/links/link-service.ts';
import type { Vm } from '../../core/model/vm.ts';
import type { FlowPolicy, LinkRequest } from '../../core/ports/flow-policy.ts';
import type { VmRepository } from '../../core/ports/repositories.ts';
import { compileBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarFlowPolicy } from '../../policy-engine/cedar-flow-policy.ts';
import { shippedSources } from '../support/policy-engine/bundle-sources.ts';

/**
 * What a link's flow policy trusts about its destination VM comes from the broker's own records: the
 * admin's designation, never the VM's tags (which its app sets). With any tags at all — `service-endpoint`
 * among them — a public-site VM reaches an on-prem VM exactly when an admin designated it.
 */
const bundle = compileBundle(shippedSources());
const shipped = new CedarFlowPolicy(bundle);
const principal = { sub: 'app-1', tenant: 'mercy-clinic', roles: ['app' as const] };

function vm(id: string, targetId: string, extra: Partial<Vm>): Vm {
  const target = bundle.catalogue.targets.find((t) => t.id === targetId)!;
  return {
    id,
    tenant: principal.tenant,
    name: id,
    size: 'small',
    image: 'ubuntu-24.04',
    classification: 'internal',
    tags: {},
    status: 'active',
    placement: { targetId, cloud: target.cloud, region: target.region, site: target.site },
    cloudId: `cloud-${id}`,
    addresses: ['10.0.0.5'],
    operationId: 'op-1',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    ...extra,
  };
}

async function linkVerdict(destination: Vm): Promise<{ asked: LinkRequest; permitted: boolean }> {
  const from = vm('vm-from', 'sandbox-public-east', {});
  const records = new Map([from, destination].map((v) => [v.id, v]));
  let asked: LinkRequest | undefined;
  const flows: FlowPolicy = {
    attach: (r) => shipped.attach(r),
    copy: (r) => shipped.copy(r),
    expose: (r) => shipped.expose(r),
    link: (r) => {
      asked = r;
      // Stop before anything is written: only the verdict matters here.
      const verdict = shipped.link(r);
      throw new BrokerError('test.verdict', verdict.permitted ? 'permitted' : 'denied');
    },
  };
  const service = new LinkService({
    catalogue: bundle.catalogue,
    vms: { get: async (_t: string, id: string) => records.get(id) } as unknown as VmRepository,
    links: {} as never,
    operations: {} as never,
    flows,
    runNow: async () => undefined,
    clock: { now: () => new Date() },
  });
  const outcome = await service
    .create(
      { principal, requestId: 'req-1' },
      { from: { vmId: from.id }, to: { vmId: destination.id }, port: 443, protocol: 'tcp' },
    )
    .catch((e: BrokerError) => e.message);
  return { asked: asked!, permitted: outcome === 'permitted' };
}

describe('link flow attributes come from trusted records', () => {
  it('serviceEndpoint is the designation, whatever the tags say', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('service-endpoint', 'serviceEndpoint', 'role', 'hcb:endpoint'),
          fc.constantFrom('true', 'yes', '1'),
        ),
        fc.option(fc.boolean(), { nil: undefined }),
        async (tags, designated) => {
          const destination = vm('vm-to', 'sandbox-onprem-north', {
            tags,
            ...(designated === undefined ? {} : { serviceEndpoint: designated }),
          });
          const { asked, permitted } = await linkVerdict(destination);
          expect(asked.to).toMatchObject({ kind: 'vm', serviceEndpoint: designated === true });
          expect(permitted).toBe(designated === true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
