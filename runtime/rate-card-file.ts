import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TargetCatalogue } from '../core/model/target.ts';
import { parseRateCard, type RateCard } from '../core/usage/rate-card.ts';
import { BundleProblems } from '../policy-engine/bundle/bundle-problems.ts';
import { parseYaml } from '../policy-engine/bundle/yaml-source.ts';

/** validated-config.ts names the same file. */
export const RATES_FILE = 'rates.yaml';

/**
 * `<policies>/rates.yaml`, validated against the catalogue: absent means no cost in reports; invalid stops
 * the broker at start (and `hcb report`), naming the file, line and problem like the policy bundle does.
 */
export function loadRateCard(policiesDir: string, catalogue: TargetCatalogue): RateCard | undefined {
  const path = join(policiesDir, RATES_FILE);
  if (!existsSync(path)) return undefined;
  const file = {
    path: relative(process.cwd(), path) || path,
    name: RATES_FILE,
    text: readFileSync(path, 'utf8'),
  };
  const problems = new BundleProblems();
  const yaml = parseYaml(file, problems);
  if (yaml) {
    const parsed = parseRateCard(yaml.value, new Set(catalogue.targets.map((t) => t.id)));
    if ('card' in parsed) return parsed.card;
    for (const problem of parsed.problems) {
      const line = yaml.lineOf(problem.path);
      problems.add(
        file,
        `${problem.path.join('.') || '(root)'}: ${problem.message}`,
        line === undefined ? undefined : { line },
      );
    }
  }
  problems.throwIfAny('policy.bundleInvalid', 'the rate card is invalid');
  return undefined;
}
