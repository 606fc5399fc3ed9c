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
  it('is false for reads of the request variables themselves and for comparisons of entities', () => {
    expect(reads('resource.tenant == principal.tenant')).toBe(false);
    expect(reads('principal in Role::"admin" && principal in Tenant::"t"')).toBe(false);
    expect(reads('resource has classification && context.x == 1')).toBe(false);
    expect(reads('resource.tenant == Tenant::"t"')).toBe(false);
  });

  it('is true for a read of an entity reached through an attribute or named literally', () => {
    expect(reads('principal.tenant.allowedJurisdictions.contains("EU")')).toBe(true);
    expect(reads('principal.tenant has allowedJurisdictions')).toBe(true);
    expect(reads('Tenant::"t" has allowedJurisdictions')).toBe(true);
    expect(reads('resource.tenant in Tenant::"t"')).toBe(true);
    expect(reads('principal.tenant.hasTag("x")')).toBe(true);
  });

  it('sees through literals: a record value is data, not an expression', () => {
    expect(reads('{ "in": 1 } == context.r')).toBe(false);
  });
});
