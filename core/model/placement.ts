import type { Classification } from '../classification.ts';
import type { Principal } from './principal.ts';
import type { Cloud, ResourceKind, Site, TargetRef } from './target.ts';

/** What the placement engine is asked: where may this workload run? */
export interface PlacementRequest {
  principal: Principal;
  kind: ResourceKind;
  classification: Classification;
  size?: string;
  image?: string;
  /** A volume's logical type: only targets offering it are candidates. */
  volumeType?: string;
  /** The client's region wish: preferred, not required. */
  region?: string;
  tags?: Record<string, string>;
}

/** One candidate's verdict, recorded whether it was permitted or not. */
export interface CandidateDecision {
  targetId: string;
  cloud: Cloud;
  region: string;
  site: Site;
  permitted: boolean;
  /** Ids of the policies that decided (the permits that allowed, or the forbids that denied). */
  policies: string[];
  /** Why, in words: a denial reason, an evaluation error, or a ranking note. Never PHI. */
  reasons: string[];
  /** 1-based position among the permitted, in the order they will be tried. */
  rank?: number;
}

export interface PlacementDecision {
  /** The first-ranked permitted target, or undefined when nothing is permitted. */
  chosen?: TargetRef;
  /** Permitted candidates in rank order, then the denied ones. */
  candidates: CandidateDecision[];
  /** Hash of the policy bundle (policies + targets) the decision was made under. */
  bundleHash: string;
  engine: string;
  decidedAt: string;
}

/** Permitted candidates in the order to try them, skipping those already tried. */
export function remainingPermitted(
  decision: PlacementDecision,
  tried: readonly string[],
): CandidateDecision[] {
  return decision.candidates
    .filter((c) => c.permitted && !tried.includes(c.targetId))
    .sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER));
}
