import { type PolicyJson, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { readsReachedEntities } from './entity-reads.ts';

function json(text: string): PolicyJson {
  const answer = policyToJson(text);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  return answer.json;
}

const reads = (condition: string) =>
  readsReachedEntities([json(`permit (principal, action, resource) when { ${condition} };`)]);

describe('readsReachedEntities', () => {
  it.each([
    'resource.tenant == principal.tenant',
    'principal in Role::"admin" && principal in Tenant::"t"',
    'resource has classification && context.x == 1',
    'resource.tenant == Tenant::"t"',
  ])(
    'is false for reads of the request variables themselves and comparisons of entities: %s',
    (condition) => {
      expect(reads(condition)).toBe(false);
    },
  );

  it.each([
    'principal.tenant.allowedJurisdictions.contains("EU")',
    'principal.tenant has allowedJurisdictions',
    'Tenant::"t" has allowedJurisdictions',
    'resource.tenant in Tenant::"t"',
    'principal.tenant.hasTag("x")',
  ])('is true for a read of an entity reached through an attribute or named literally: %s', (condition) => {
    expect(reads(condition)).toBe(true);
  });

  it('sees through literals: a record value is data, not an expression', () => {
    expect(reads('{ "in": 1 } == context.r')).toBe(false);
  });
});
