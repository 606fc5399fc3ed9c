import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import { ROLES } from '../../core/model/principal.ts';
import { RESOURCE_KINDS } from '../../core/model/target.ts';
import { BundleProblems } from '../bundle/bundle-problems.ts';
import type { SourceFile } from '../bundle/source-file.ts';
import { parseYaml } from '../bundle/yaml-source.ts';
import { attachCase, copyCase, exposeCase, type FlowCase, linkCase } from './flow-cases.ts';

/**
 * Policy tests as data (policies/tests/*.yaml). A file holds `placement:`, `authorization:` and flow
 * (`attach:`, `copy:`, `link:`, flow-cases.ts) cases; see docs/policies.md for the format. Deciding policy ids compare as sets; `~` skips that check.
 */
const principal = z
  .object({
    sub: z.string().min(1).default('policy-test'),
    tenant: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1),
  })
  .strict();

const policyIds = z.array(z.string()).nullable();

const placementCase = z
  .object({
    name: z.string().min(1),
    principal,
    workload: z
      .object({
        kind: z.enum(RESOURCE_KINDS).default('vm'),
        classification: z.enum(CLASSIFICATIONS),
        size: z.string().optional(),
        image: z.string().optional(),
        region: z.string().optional(),
        tags: z.record(z.string(), z.string()).optional(),
      })
      .strict(),
    expect: z
      .object({
        /** The first-ranked permitted target, or `none` when nothing may host the workload. */
        chosen: z.string().optional(),
        /** Exactly these candidates are permitted (in rank order), each by these policies. */
        permitted: z.record(z.string(), policyIds).optional(),
        /** These candidates are denied, each by these policies. */
        denied: z.record(z.string(), policyIds).optional(),
      })
      .strict()
      .refine(
        (e) => e.chosen !== undefined || e.permitted !== undefined || e.denied !== undefined,
        'expect nothing?',
      ),
  })
  .strict();

const authorizationCase = z
  .object({
    name: z.string().min(1),
    principal,
    action: z.string().min(1),
    resource: z
      .object({ type: z.string().min(1), tenant: z.string().min(1).optional(), id: z.string().optional() })
      .strict(),
    expect: z.object({ allowed: z.boolean(), policies: policyIds.optional() }).strict(),
  })
  .strict();

const testFile = z
  .object({
    placement: z.array(placementCase).default([]),
    authorization: z.array(authorizationCase).default([]),
    attach: z.array(attachCase).default([]),
    copy: z.array(copyCase).default([]),
    link: z.array(linkCase).default([]),
    expose: z.array(exposeCase).default([]),
  })
  .strict();

export type PlacementCase = z.infer<typeof placementCase>;
export type AuthorizationCase = z.infer<typeof authorizationCase>;

export type PolicyTestCase =
  | { kind: 'placement'; file: string; line: number; test: PlacementCase }
  | { kind: 'authorization'; file: string; line: number; test: AuthorizationCase }
  | { kind: 'flow'; file: string; line: number; test: FlowCase };

/** The test files of a policies folder (`tests/*.yaml`), sorted. */
export function readPolicyTestFiles(policiesDir: string): SourceFile[] {
  const dir = join(policiesDir, 'tests');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const rel = relative(process.cwd(), path);
      return {
        path: rel.startsWith('..') ? path : rel,
        name: `tests/${name}`,
        text: readFileSync(path, 'utf8'),
      };
    });
}

/** Parses test files; a malformed file throws `policy.testsInvalid` naming file and line. */
export function parsePolicyTests(files: readonly SourceFile[]): PolicyTestCase[] {
  const problems = new BundleProblems();
  const cases: PolicyTestCase[] = [];
  for (const file of files) {
    const yaml = parseYaml(file, problems);
    if (!yaml) continue;
    const parsed = testFile.safeParse(yaml.value ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.add(file, `${issue.path.join('.') || '(file)'}: ${issue.message}`, {
          line: yaml.lineOf(issue.path as (string | number)[]),
        });
      continue;
    }
    const lineOf = (key: string, i: number) => yaml.lineOf([key, i]) ?? 1;
    parsed.data.placement.forEach((test, i) => {
      cases.push({ kind: 'placement', file: file.path, line: lineOf('placement', i), test });
    });
    parsed.data.authorization.forEach((test, i) => {
      cases.push({ kind: 'authorization', file: file.path, line: lineOf('authorization', i), test });
    });
    for (const action of ['attach', 'copy', 'link', 'expose'] as const)
      parsed.data[action].forEach((test, i) => {
        const flow = { ...test, action } as FlowCase;
        cases.push({ kind: 'flow', file: file.path, line: lineOf(action, i), test: flow });
      });
  }
  problems.throwIfAny('policy.testsInvalid', 'the policy tests are invalid');
  return cases;
}
