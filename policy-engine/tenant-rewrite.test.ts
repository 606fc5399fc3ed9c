import { type EntityJson, type PolicyJson, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { ConstantFolder } from './constant-folding.ts';
import { sharedEntitiesNeeded, withTenantPrincipal } from './tenant-rewrite.ts';

const ACME: EntityJson = {
  uid: { type: 'Tenant', id: 'acme' },
  attrs: { allowedJurisdictions: ['US'] },
  parents: [],
};

function json(text: string): PolicyJson {
  const answer = policyToJson(text);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  return answer.json;
}

/** Rewritten for acme's principals and folded, as fused-placement.ts does; undefined: never holds. */
const forAcme = (text: string) => new ConstantFolder().fold(withTenantPrincipal(json(text), ACME));

describe('a placement variant rewritten for one tenant', () => {
  it('reads the tenant through the principal no more: nothing shared need be sent', () => {
    const variant = forAcme(
      `permit (principal in Tenant::"acme", action == Action::"place", resource)
       when { principal.tenant has allowedJurisdictions && principal.tenant.allowedJurisdictions.contains("US") };`,
    )!;
    expect(variant.principal).toEqual({ op: 'All' });
    expect(variant.conditions[0]!.body).toEqual({ Value: true });
    expect(sharedEntitiesNeeded([variant], ACME.uid)).toEqual({
      principal: false,
      tenant: false,
      action: false,
    });
  });

  it('drops a variant that can never hold for the tenant', () => {
    expect(
      forAcme(`forbid (principal, action, resource) when { principal in Tenant::"other" };`),
    ).toBeUndefined();
    expect(
      forAcme(
        `forbid (principal, action, resource) when { !principal.tenant.allowedJurisdictions.contains("US") };`,
      ),
    ).toBeUndefined();
  });

  it('keeps what still needs an entity: roles, a principal named literally, an attribute the tenant lacks', () => {
    const byRole = forAcme(`permit (principal in Role::"admin", action == Action::"place", resource);`)!;
    expect(sharedEntitiesNeeded([byRole], ACME.uid)).toMatchObject({ principal: true, tenant: true });
    const named = forAcme(`permit (principal, action, resource) when { App::"billing" in Tenant::"acme" };`)!;
    expect(sharedEntitiesNeeded([named], ACME.uid).principal).toBe(true);
    const lacking = forAcme(
      `permit (principal, action, resource) when { principal.tenant.tier == "gold" };`,
    )!;
    expect(JSON.stringify(lacking.conditions)).toContain('"tier"'); // left to fail as it would
    expect(sharedEntitiesNeeded([lacking], ACME.uid)).toMatchObject({ principal: false, tenant: true });
  });

  it('keeps the action entity only when a variant asks about its groups', () => {
    const place = forAcme(`permit (principal, action == Action::"place", resource);`)!;
    const group = forAcme(`permit (principal, action in Action::"compute", resource);`)!;
    expect(sharedEntitiesNeeded([place], ACME.uid).action).toBe(false);
    expect(sharedEntitiesNeeded([place, group], ACME.uid).action).toBe(true);
  });
});
