import { type PolicyJson, policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { ConstantFolder } from './constant-folding.ts';

function json(text: string): PolicyJson {
  const answer = policyToJson(text);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  return answer.json;
}

const fold = (text: string) => new ConstantFolder().fold(json(text));
const permit = (conditions: string) => `permit (principal, action, resource) ${conditions};`;
/** Kept whatever the rest folds to: its first condition reads the request. */
const kept = (conditions: string) => permit(`when { context.x } ${conditions}`);

describe('constant folding', () => {
  it.each([
    ['a closed contains', 'when { !(["north", "dc1"].contains("dc1")) }', 'when { false }'],
    [
      'entity literals compared',
      'when { context.y && Site::"onprem" == Site::"public" }',
      'when { context.y && false }',
    ],
    [
      'short-circuit over a failure',
      'when { false && 1000000 * 1000000 * 1000000 * 1000000 > 0 }',
      'when { false }',
    ],
  ])('folds %s', (_, conditions, expected) => {
    expect(fold(kept(conditions))).toEqual(json(kept(expected)));
  });

  it.each([
    ['a closed expression that fails', 'when { 1000000 * 1000000 * 1000000 * 1000000 > 0 }'],
    ['what reads the request', 'when { context.region == "north" }'],
    ['entity data', 'when { Target::"a" in Target::"b" }'],
    ['a closed value that is no boolean', 'when { context.tags.containsAll(["a", "b"]) }'],
  ])('leaves %s as written', (_, conditions) => {
    expect(fold(permit(conditions))).toEqual(json(permit(conditions)));
  });

  it('drops a policy that can never hold, and only then', () => {
    expect(fold(permit('when { !(["north"].contains("north")) }'))).toBeUndefined();
    expect(fold(permit('when { true } unless { 1 < 2 }'))).toBeUndefined();
    // A condition before the dead one may fail at run time, and that failure must still be reported.
    expect(fold(permit('when { context.size == "large" } when { 1 > 2 }'))).toBeDefined();
    expect(fold(permit('when { 1 < 2 } unless { 1 > 2 }'))).toBeDefined();
  });
});
