import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type {
  AttachRequest,
  CopyRequest,
  ExposeRequest,
  FlowDecision,
  FlowPolicy,
  LinkRequest,
} from '../core/ports/flow-policy.ts';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import { attachContext, copyContext, exposeContext, linkContext, linkDestination } from './flow-entities.ts';
import { FlowEvaluator } from './flow-evaluator.ts';
import type { Verdict } from './verdict.ts';
import { VerdictCache } from './verdict-cache.ts';

export interface CedarFlowOptions {
  /** How many Cedar verdicts to remember across attach, copy and link; 0 asks Cedar every time. Default 10 000. */
  cacheSize?: number;
}

/**
 * Flows by policy (docs/design.md, I1; flows.cedar): attaching a volume to a VM, copying an image or snapshot
 * to another target, linking a VM to a VM or a network. Each request is one Cedar decision — `attach`,
 * `copy` or `link` — against the same bundle as placement: forbid wins, otherwise a permit allows,
 * otherwise default deny, and any evaluation error denies (fail closed). The decision names the deciding
 * policies by `@id` (the permits that allowed, the forbids that denied, or a reserved `builtin.` id).
 *
 * The policies here replace SiteRuleFlowPolicy (test/support/policy-engine/site-rule-flow-policy.ts), which stays
 * the spec: test/policy/flow-agreement.test.ts checks that the two agree on random requests.
 */
export class CedarFlowPolicy implements FlowPolicy {
  readonly bundleHash: string;
  readonly #attach: FlowEvaluator;
  readonly #copy: FlowEvaluator;
  readonly #link: FlowEvaluator;
  readonly #expose: FlowEvaluator;

  constructor(bundle: PolicyBundle, options: CedarFlowOptions = {}) {
    this.bundleHash = bundle.hash;
    const cache = new VerdictCache(options.cacheSize ?? 10_000);
    this.#attach = new FlowEvaluator(bundle, 'attach', cache);
    this.#copy = new FlowEvaluator(bundle, 'copy', cache);
    this.#link = new FlowEvaluator(bundle, 'link', cache);
    this.#expose = new FlowEvaluator(bundle, 'expose', cache);
  }

  /** resource: the VM's target (the volume is on the same one); context: both classifications. */
  attach(request: AttachRequest): FlowDecision {
    const evaluator = this.#attach;
    return decision(
      evaluator.decide(() => ({
        principal: request.principal,
        resource: evaluator.targetEntity(request.target),
        context: attachContext(request),
        related: [],
      })),
    );
  }

  /** resource: the target the artefact would go to; context: the artefact and the target it is on. */
  copy(request: CopyRequest): FlowDecision {
    const evaluator = this.#copy;
    return decision(
      evaluator.decide(() => ({
        principal: request.principal,
        resource: evaluator.targetEntity(request.to),
        context: copyContext(request),
        related: [evaluator.targetEntity(request.from)],
      })),
    );
  }

  /** resource: the receiving VM (Workload) or CIDR (Network); context: the sending VM, port, protocol. */
  link(request: LinkRequest): FlowDecision {
    const evaluator = this.#link;
    return decision(
      evaluator.decide(() => {
        const { from, to } = request;
        const related: (EntityJson | undefined)[] = [];
        // Targets are checked against the bundle whatever policies read; their entities are sent only
        // when some link policy dereferences a `target` (the sites travel in the request itself).
        const targets = [evaluator.targetEntity(from.target)];
        if (to.kind === 'vm') targets.push(evaluator.targetEntity(to.target));
        if (evaluator.reads === undefined || evaluator.reads.has('target')) related.push(...targets);
        related.push(evaluator.tenantEntity(from.tenant));
        if (to.kind === 'vm') related.push(evaluator.tenantEntity(to.tenant));
        return {
          principal: request.principal,
          resource: linkDestination(to),
          context: linkContext(request),
          related: related.filter((e): e is EntityJson => e !== undefined),
        };
      }),
    );
  }

  /** resource: the VM's target; context: the VM's classification. */
  expose(request: ExposeRequest): FlowDecision {
    const evaluator = this.#expose;
    return decision(
      evaluator.decide(() => ({
        principal: request.principal,
        resource: evaluator.targetEntity(request.target),
        context: exposeContext(request),
        related: [],
      })),
    );
  }
}

function decision(verdict: Verdict): FlowDecision {
  return { permitted: verdict.allowed, policies: verdict.policies, reasons: verdict.reasons };
}
