import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { nagPacks } from './acknowledge.ts';

/** One finding of a rule pack on one resource. */
export interface Finding {
  /** `Pack-Rule` or `Pack-Rule[finding]`, the id an acknowledgement names. */
  readonly rule: string;
  readonly path: string;
}

/** One `Validations.of(x).acknowledge()` recorded in the construct tree. */
export interface Acknowledgement {
  readonly rule: string;
  readonly reason: string;
  /** Path of the construct it was recorded on (it covers that construct and everything under it). */
  readonly path: string;
}

type Pack = ReturnType<typeof nagPacks>[number];

/**
 * Runs the AwsSolutions and HIPAA Security packs over a construct tree. `acknowledged: 'ignore'` evaluates
 * them as if nothing were acknowledged (every finding, acknowledged or not) — for the audit of the
 * acknowledgements; `'honour'` returns what `cdk synth` would fail on.
 */
export function nagFindings(root: IConstruct, acknowledged: 'honour' | 'ignore'): Finding[] {
  const packs = nagPacks();
  const findings: Finding[] = [];
  for (const pack of packs) {
    if (acknowledged === 'ignore') {
      // cdk-nag 3 checks acknowledgements in a private method; bypass it to see every raw finding.
      Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
    }
    const report = (pack as Pack).validateScope(root);
    for (const violation of report.violations)
      for (const resource of violation.violatingResources)
        findings.push({ rule: violation.ruleName, path: resource.constructPath ?? '?' });
  }
  return findings;
}

/** Every acknowledgement recorded in the tree under `root` (including CDK annotation acknowledgements). */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
        out.push({ rule: id.replace(/^annotation::/i, ''), reason, path: construct.node.path });
    }
  }
  return out;
}

/** Whether a finding on `findingPath` is covered by an acknowledgement recorded on `ackPath`. */
export function covers(ack: Acknowledgement, finding: Finding): boolean {
  return ack.rule === finding.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`));
}
