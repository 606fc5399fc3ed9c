/**
 * Data classification, highest first in trust: phi > pii > internal > public. Every resource carries
 * one; derived resources carry at least the highest of their sources (taint).
 */
export const CLASSIFICATIONS = ['public', 'internal', 'pii', 'phi'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

const RANK: Record<Classification, number> = { public: 0, internal: 1, pii: 2, phi: 3 };

export function classificationRank(c: Classification): number {
  return RANK[c];
}

/** The taint rule: a derived artefact is classified at least as high as every source. */
export function taint(...sources: Classification[]): Classification {
  let highest: Classification = 'public';
  for (const source of sources) if (RANK[source] > RANK[highest]) highest = source;
  return highest;
}

export function isAtLeast(c: Classification, floor: Classification): boolean {
  return RANK[c] >= RANK[floor];
}
