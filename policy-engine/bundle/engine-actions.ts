/**
 * The actions the broker asks on its own behalf, not for an API route: `place` (placement, once per
 * candidate target) and the flows (attach, copy, link; once per request). Every other action that applies
 * to a resource is an API action (cedar-authorizer.ts). Policies are sliced by these families
 * (policy-slices.ts), so a decision costs only the policies that can apply to its action.
 */
export const FLOW_ACTIONS = ['attach', 'copy', 'link', 'expose'] as const;
export type FlowAction = (typeof FLOW_ACTIONS)[number];

export const ENGINE_ACTIONS = ['place', ...FLOW_ACTIONS] as const;
export type EngineAction = (typeof ENGINE_ACTIONS)[number];

/** A slice of the policy set: one engine action, or every API action. */
export type ActionFamily = EngineAction | 'api';
export const ACTION_FAMILIES: readonly ActionFamily[] = [...ENGINE_ACTIONS, 'api'];

/** The resource types the broker sends each engine action; the schema must declare them (schema-model.ts). */
export const ENGINE_ACTION_RESOURCES: Record<EngineAction, readonly string[]> = {
  place: ['Target'],
  attach: ['Target'],
  copy: ['Target'],
  link: ['Workload', 'Network'],
  expose: ['Target'],
};

const ENGINE_ACTION_NAMES: ReadonlySet<string> = new Set(ENGINE_ACTIONS);

export function isEngineAction(name: string): name is EngineAction {
  return ENGINE_ACTION_NAMES.has(name);
}
