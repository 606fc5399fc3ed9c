import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidatedBundle } from './policy-bundle.ts';

/**
 * The policy bundle (schema, policies, targets, tenants) as the Lambda bundle build validated it
 * (bin/prevalidate-policies.ts), written beside the policy files. Validating takes Cedar most of a second
 * on a cold start; the function trusts this file instead, for exactly the files it was made from (same
 * paths, same text: the digest), and validates any other bundle itself. The file is part of the deployed
 * code, as trusted as the code.
 */
export const VALIDATED_BUNDLE_FILE = '.validated-bundle.json';

/** JSON has no Map or Set: they are written as tagged arrays. */
export function serializeValidatedBundle(validated: ValidatedBundle): string {
  return JSON.stringify(validated, (_key, value: unknown) => {
    if (value instanceof Map) return { __hcbMap: [...value] };
    if (value instanceof Set) return { __hcbSet: [...value] };
    return value;
  });
}

export function parseValidatedBundle(text: string): ValidatedBundle {
  const validated = JSON.parse(text, (_key, value: unknown) => {
    if (isTagged(value, '__hcbMap')) return new Map(value.__hcbMap as [unknown, unknown][]);
    if (isTagged(value, '__hcbSet')) return new Set(value.__hcbSet as unknown[]);
    return value;
  }) as ValidatedBundle;
  if (!/^[0-9a-f]{64}$/.test(validated.digest ?? '')) throw new Error(`${VALIDATED_BUNDLE_FILE}: no digest`);
  return validated;
}

/** The bundle validated at build time for the policies in `policiesDir`, when the build left them there. */
export function readValidatedBundle(policiesDir: string): ValidatedBundle | undefined {
  const path = join(policiesDir, VALIDATED_BUNDLE_FILE);
  return existsSync(path) ? parseValidatedBundle(readFileSync(path, 'utf8')) : undefined;
}

function isTagged(value: unknown, tag: '__hcbMap' | '__hcbSet'): value is Record<typeof tag, unknown[]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    Array.isArray((value as Record<string, unknown>)[tag])
  );
}
