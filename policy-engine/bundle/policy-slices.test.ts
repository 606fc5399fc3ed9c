import { randomUUID } from 'node:crypto';
import { statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { ACTION_FAMILIES, type ActionFamily } from './engine-actions.ts';
import type { CompiledPolicy } from './policy-compiler.ts';
import { PolicySlices } from './policy-slices.ts';

/** A policy as the compiler would describe it; `text` is what cedar-wasm parses. */
function policy(id: string, text: string, families: ActionFamily[], tenant?: string): CompiledPolicy {
  return {
    id,
    effect: 'permit',
    text,
    file: 'test.cedar',
    line: 1,
    appliesTo: Object.fromEntries(
      ACTION_FAMILIES.map((f) => [f, families.includes(f)]),
    ) as CompiledPolicy['appliesTo'],
    ...(tenant ? { tenant } : {}),
    attributeNames: new Set(),
    readsWholeContext: false,
    entityRefs: [],
    json: {} as CompiledPolicy['json'],
  };
}

/** Policies no other test parses (cedar-wasm's cache is per process and keyed by content). */
function freshPolicies(): CompiledPolicy[] {
  const marker = randomUUID();
  return [
    policy('api.read', `permit (principal, action, resource) when { context.marker == "${marker}" };`, [
      'api',
    ]),
    policy(
      'place.any',
      `permit (principal, action == Action::"place", resource) when { "${marker}" != "" };`,
      ['place'],
    ),
    policy(
      'place.acme',
      `permit (principal in Tenant::"acme", action == Action::"place", resource);`,
      ['place'],
      'acme',
    ),
  ];
}

const ask = (setId: string) =>
  statefulIsAuthorized({
    principal: { type: 'App', id: 'a' },
    action: { type: 'Action', id: 'place' },
    resource: { type: 'Target', id: 't' },
    context: {},
    preparsedPolicySetId: setId,
    entities: [],
  });

describe('PolicySlices', () => {
  it('parses every set when built, by default', () => {
    const slices = new PolicySlices(freshPolicies());
    // place: general + acme's; every other family: its general set.
    expect(slices.setCount).toBe(ACTION_FAMILIES.length + 1);
    expect(slices.pendingSetCount).toBe(0);
    expect(slices.parseMs).toBeGreaterThan(0);
  });

  it('on first use, parses a set only when a decision asks for it, and answers as the eager slices do', () => {
    const policies = freshPolicies();
    const lazy = new PolicySlices(policies, { parse: 'onFirstUse' });
    expect(lazy.pendingSetCount).toBe(lazy.setCount);
    expect(lazy.parseMs).toBe(0);

    const acme = lazy.setFor('place', 'acme');
    expect(lazy.pendingSetCount).toBe(lazy.setCount - 1);
    const other = lazy.setFor('place', 'other-tenant');
    expect(lazy.pendingSetCount).toBe(lazy.setCount - 2);
    expect(lazy.setFor('place', 'acme')).toBe(acme); // asked again: nothing more to parse
    expect(lazy.pendingSetCount).toBe(lazy.setCount - 2);

    const eager = new PolicySlices(policies);
    for (const [setId, tenant] of [
      [acme, 'acme'],
      [other, 'other-tenant'],
    ] as const) {
      expect(eager.setFor('place', tenant)).toBe(setId); // the same sets, by id
      const answer = ask(setId);
      expect(answer.type).toBe('success');
      if (answer.type === 'success') expect(answer.response.decision).toBe('allow');
    }
    expect(lazy.policiesFor('place', 'acme').map((p) => p.id)).toEqual(['place.any', 'place.acme']);
  });

  it('refuses a set Cedar cannot parse: when built if parsing now, on every use if parsing on first use', () => {
    const broken = [
      ...freshPolicies(),
      policy('broken', 'permit (principal, action, resource) when {', ['link']),
    ];
    expect(() => new PolicySlices(broken)).toThrow(/cedar refused policy set/);

    const lazy = new PolicySlices(broken, { parse: 'onFirstUse' });
    expect(() => lazy.setFor('api', 'acme')).not.toThrow();
    // Never reported as parsed: a decision after the refusal is refused again, not asked of a missing set.
    for (let attempt = 0; attempt < 2; attempt++)
      expect(() => lazy.setFor('link', 'acme')).toThrow(
        expect.objectContaining({ code: 'policy.bundleInvalid' }),
      );
  });
});
