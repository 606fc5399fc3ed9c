import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../core/model/principal.ts';
import { shippedSources, withPolicyFile } from '../test/support/policy-engine/bundle-sources.ts';
import {
  DEFAULT_ROLE_TABLE,
  RoleTableAuthorizer,
} from '../test/support/policy-engine/role-table-authorizer.ts';
import { compileBundle, type PolicyBundle } from './bundle/policy-bundle.ts';
import { CedarAuthorizer } from './cedar-authorizer.ts';

/** The actions the API will grow into (the list), each expected in the schema. */
const COMING = [
  'placement.simulate',
  ...['create', 'list', 'read', 'delete', 'attach', 'detach', 'snapshot'].map((a) => `volume.${a}`),
  ...['create', 'list', 'read', 'delete', 'presign'].map((a) => `bucket.${a}`),
  ...['create', 'list', 'read', 'delete'].map((a) => `link.${a}`),
  'quota.read',
  'quota.write',
  'usage.read',
];

/** The resource type a route names: its action's prefix, except fault injection and reconcile (on targets). */
const resourceOf = (action: string) =>
  action.startsWith('sandbox.') ||
  action.startsWith('reconcile.') ||
  action.startsWith('metrics.') ||
  action.startsWith('policy.')
    ? 'target'
    : action === 'placement.simulate'
      ? 'placement'
      : action.split('.')[0]!;

const ROLE_SETS: Role[][] = [
  [],
  ['app'],
  ['admin'],
  ['auditor'],
  ['operator'],
  ['app', 'auditor'],
  ['admin', 'auditor'],
  ['admin', 'operator'],
  ['app', 'operator'],
];

describe('CedarAuthorizer', () => {
  let bundle: PolicyBundle;
  let cedar: CedarAuthorizer;
  beforeAll(() => {
    bundle = compileBundle(shippedSources());
    cedar = new CedarAuthorizer(bundle);
  });

  it('knows every action of the role table and every coming one', () => {
    expect(cedar.actions).toEqual(expect.arrayContaining([...Object.keys(DEFAULT_ROLE_TABLE), ...COMING]));
  });

  it("decides today's actions exactly as the role table did, for every role and same/other tenant", () => {
    const table = new RoleTableAuthorizer(DEFAULT_ROLE_TABLE);
    for (const action of Object.keys(DEFAULT_ROLE_TABLE))
      for (const roles of ROLE_SETS)
        for (const tenant of ['t-1', 't-2']) {
          const req = {
            principal: { sub: 's', tenant: 't-1', roles },
            action,
            resource: { type: resourceOf(action), tenant },
          };
          expect(cedar.authorize(req).allowed, `${action} ${roles} on ${tenant}`).toBe(
            table.authorize(req).allowed,
          );
        }
  });

  it('names the deciding policies', () => {
    const app = { sub: 'a', tenant: 't-1', roles: ['app'] as Role[] };
    expect(
      cedar.authorize({ principal: app, action: 'vm.create', resource: { type: 'vm', tenant: 't-1' } }),
    ).toEqual({
      allowed: true,
      policies: ['api.tenant-change'],
      reasons: [],
    });
    expect(
      cedar.authorize({
        principal: app,
        action: 'vm.read',
        resource: { type: 'vm', tenant: 't-2', id: 'vm-1' },
      }),
    ).toMatchObject({
      allowed: false,
      policies: ['api.tenant-isolation'],
    });
    expect(
      cedar.authorize({ principal: app, action: 'audit.read', resource: { type: 'audit', tenant: 't-1' } }),
    ).toMatchObject({
      allowed: false,
      policies: ['builtin.default-deny'],
    });
  });

  it('denies unknown actions, groups, `place`, the flows, and resource types the action does not apply to', () => {
    const admin = { sub: 'a', tenant: 't-1', roles: ['admin'] as Role[] };
    for (const action of ['vm.frobnicate', 'tenant.view', 'api', 'place', 'attach', 'copy', 'link'])
      expect(
        cedar.authorize({ principal: admin, action, resource: { type: 'vm', tenant: 't-1' } }).policies,
      ).toEqual(['builtin.unknown-action']);
    expect(
      cedar.authorize({ principal: admin, action: 'vm.read', resource: { type: 'nope', tenant: 't-1' } })
        .policies,
    ).toEqual(['builtin.unknown-resource-type']);
  });

  it('accepts a classification on data resources', () => {
    const app = { sub: 'a', tenant: 't-1', roles: ['app'] as Role[] };
    const decision = cedar.authorize({
      principal: app,
      action: 'vm.read',
      resource: { type: 'vm', tenant: 't-1', classification: 'phi' },
    });
    expect(decision.allowed).toBe(true);
  });

  it("sends a tenant's entity only when a policy reads it, and then decides by its attributes", () => {
    // The shipped API policies compare tenants but read no tenant's attributes: the entity is left out
    // (entity-reads.ts), and decisions are those of the role table above. A policy that reads one:
    const reading = new CedarAuthorizer(
      compileBundle(
        withPolicyFile(
          shippedSources(),
          'eu.cedar',
          '@id("api.eu-no-delete")\n@reason("EU tenants keep their VMs")\n' +
            'forbid (principal, action == Action::"vm.delete", resource)\n' +
            'when { principal.tenant has allowedJurisdictions && principal.tenant.allowedJurisdictions.contains("EU") };\n',
        ),
      ),
    );
    const remove = (tenant: string) => ({
      principal: { sub: 'a', tenant, roles: ['app'] as Role[] },
      action: 'vm.delete',
      resource: { type: 'vm', tenant, id: 'vm-1' },
    });
    // demo-eu-clinic is listed in tenants.yaml with allowedJurisdictions [EU]; acme-health with [US].
    expect(reading.authorize(remove('demo-eu-clinic'))).toMatchObject({
      allowed: false,
      policies: ['api.eu-no-delete'],
    });
    expect(reading.authorize(remove('acme-health')).allowed).toBe(true);
    expect(cedar.authorize(remove('demo-eu-clinic')).allowed).toBe(true);
  });
});
