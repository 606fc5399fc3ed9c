import { parseArgs } from 'node:util';
import { isBrokerError } from '../core/errors.ts';
import { loadPolicyBundle } from '../policy-engine/bundle/bundle-files.ts';
import { ACTION_FAMILIES, ENGINE_ACTIONS, isEngineAction } from '../policy-engine/bundle/engine-actions.ts';
import type { PolicyBundle } from '../policy-engine/bundle/policy-bundle.ts';
import type { CompiledPolicy } from '../policy-engine/bundle/policy-compiler.ts';
import { parsePolicyTests, readPolicyTestFiles } from '../policy-engine/policy-tests/test-cases.ts';
import { formatTestReport } from '../policy-engine/policy-tests/test-report.ts';
import { runPolicyTests } from '../policy-engine/policy-tests/test-runner.ts';
import { cloudSettingsProblems } from '../runtime/cloud-settings.ts';
import { loadConfig } from '../runtime/config.ts';
import { loadRateCard, RATES_FILE } from '../runtime/rate-card-file.ts';

export const POLICY_USAGE = `usage: hcb policy <validate|test> [--policies <dir>] [--targets <file>]

  validate   check the policy bundle (schema, *.cedar, targets.yaml, tenants.yaml, rates.yaml) as the broker does
             at start-up; prints each problem as file:line: message
  test       validate, then run the policy tests in <policies>/tests/*.yaml (placement, authorization,
             and flows: attach, copy, link)

  --policies   the policies folder (default: HCB_POLICIES_DIR, else ./policies)
  --targets    the targets file (default: HCB_TARGETS_FILE, else <policies>/targets.yaml)
exit status: 0 all good, 1 invalid bundle or failing tests, 2 usage error
`;

/** `hcb policy validate` and `hcb policy test`: the compliance workflow's checks (docs/policies.md). */
export async function policyCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    process.stderr.write(`hcb policy: ${(error as Error).message}\n\n${POLICY_USAGE}`);
    return 2;
  }
  const { command, policiesDir, targetsFile } = parsed;
  const bundle = loadOrReport(policiesDir, targetsFile);
  if (!bundle) return 1;
  if (command === 'validate') {
    process.stdout.write(describeBundle(bundle));
    return validateRateCard(policiesDir, bundle);
  }
  try {
    const cases = parsePolicyTests(readPolicyTestFiles(policiesDir));
    if (cases.length === 0) {
      process.stderr.write(`hcb policy test: no test cases in ${policiesDir}/tests/*.yaml\n`);
      return 1;
    }
    const results = await runPolicyTests(bundle, cases);
    process.stdout.write(formatTestReport(results, bundle.hash));
    return results.every((r) => r.passed) ? 0 : 1;
  } catch (error) {
    process.stderr.write(`hcb policy test: ${isBrokerError(error) ? error.message : String(error)}\n`);
    return 1;
  }
}

function parseOptions(args: string[]) {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { policies: { type: 'string' }, targets: { type: 'string' } },
  });
  const command = positionals[0];
  if (command !== 'validate' && command !== 'test')
    throw new Error(command ? `unknown command ${command}` : 'no command');
  if (positionals.length > 1) throw new Error(`unexpected ${positionals.slice(1).join(' ')}`);
  const config = loadConfig();
  const policiesDir = values.policies ?? config.policiesDir;
  const targetsFile = values.targets ?? (values.policies === undefined ? config.targetsFile : undefined);
  return { command, policiesDir, ...(targetsFile === undefined ? {} : { targetsFile }) };
}

function loadOrReport(policiesDir: string, targetsFile: string | undefined): PolicyBundle | undefined {
  try {
    const bundle = loadPolicyBundle({ policiesDir, ...(targetsFile === undefined ? {} : { targetsFile }) });
    // The clouds' own settings blocks are their connectors' to check, as the broker does when it starts.
    const problems = cloudSettingsProblems(bundle.catalogue);
    for (const problem of problems) process.stderr.write(`${bundle.files.targets}: ${problem}\n`);
    return problems.length === 0 ? bundle : undefined;
  } catch (error) {
    if (!isBrokerError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  }
}

function describeBundle(bundle: PolicyBundle): string {
  const engineActions = ENGINE_ACTIONS.filter((a) => bundle.schema.actions.has(a));
  const apiActions = [...bundle.schema.actions].filter(
    ([name, a]) => !isEngineAction(name) && a.resourceTypes.length > 0,
  );
  const lines = [
    `policy bundle OK — hash ${bundle.hash}`,
    `  schema    ${bundle.files.schema}: ${bundle.schema.entityTypes.size} entity types, ${engineActions.join(', ')} + ${apiActions.length} API actions`,
    `  policies  ${bundle.policies.length} in ${bundle.files.policies.length} files`,
  ];
  for (const file of bundle.files.policies) {
    lines.push(`    ${file}`);
    const policies = bundle.policies.filter((q) => q.file === file);
    const width = Math.max(...policies.map((p) => p.id.length));
    for (const p of policies)
      lines.push(
        `      ${p.effect.padEnd(6)} ${p.id.padEnd(width)}  ${actionsOf(p)}${p.tenant ? `  (tenant ${p.tenant})` : ''}  line ${p.line}`,
      );
  }
  lines.push(
    `  targets   ${bundle.files.targets}: ${bundle.catalogue.targets.map((t) => `${t.id} (${t.site})`).join(', ')}`,
  );
  if (bundle.files.tenants)
    lines.push(`  tenants   ${bundle.files.tenants}: ${[...bundle.tenants.keys()].join(', ') || 'none'}`);
  lines.push(
    `  loaded in ${ms(bundle.timings.compileMs)} (policy sets parsed into cedar-wasm: ${bundle.slices.setCount}, ${ms(bundle.timings.parseMs)})`,
  );
  if (bundle.warnings.length > 0) lines.push('warnings:', ...bundle.warnings.map((w) => `  ${w}`));
  return `${lines.join('\n')}\n`;
}

/** What a policy can apply to, from its action scope: `[link]`, `[attach, copy]`, `[api]`, `[any]`. */
function actionsOf(policy: CompiledPolicy): string {
  const families = ACTION_FAMILIES.filter((f) => policy.appliesTo[f]);
  return `[${families.length === ACTION_FAMILIES.length ? 'any' : families.join(', ')}]`;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

/** The rate card beside the bundle (`rates.yaml`), checked as the broker checks it at start. */
function validateRateCard(policiesDir: string, bundle: PolicyBundle): number {
  try {
    const card = loadRateCard(policiesDir, bundle.catalogue);
    process.stdout.write(
      card
        ? `  rates     ${RATES_FILE}: ${card.rates.length} rates in ${card.currency}\n`
        : `  rates     none (${RATES_FILE} absent: usage reports carry no cost)\n`,
    );
    return 0;
  } catch (error) {
    if (!isBrokerError(error)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}
