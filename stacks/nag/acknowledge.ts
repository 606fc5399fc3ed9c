import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * The HIPAA Security Rule safeguards an acknowledgement can relate to. Every acknowledged cdk-nag finding
 * names one, so the compliance review reads each exception against the control it weakens or satisfies.
 */
export const HIPAA = {
  auditControls: '§164.312(b) audit controls',
  accessControl: '§164.312(a)(1) access control',
  uniqueUserId: '§164.312(a)(2)(i) unique user identification',
  encryption: '§164.312(a)(2)(iv) encryption and decryption',
  integrity: '§164.312(c)(1) integrity',
  authentication: '§164.312(d) person or entity authentication',
  transmissionSecurity: '§164.312(e)(1) transmission security',
  informationAccess: '§164.308(a)(4)(i) information access management',
  passwordManagement: '§164.308(a)(5)(ii)(D) password management',
  securityIncident: '§164.308(a)(6)(ii) response and reporting',
  contingencyPlan: '§164.308(a)(7)(i) contingency plan',
  dataBackup: '§164.308(a)(7)(ii)(A) data backup plan',
  disasterRecovery: '§164.308(a)(7)(ii)(B) disaster recovery plan',
  riskManagement: '§164.308(a)(1)(ii)(B) risk management',
} as const;

export type HipaaControl = (typeof HIPAA)[keyof typeof HIPAA];

/**
 * Acknowledges one cdk-nag finding (rule id, or `Rule[finding]` for one finding of a multi-finding rule) on
 * a construct and everything under it. The recorded reason starts with the HIPAA control.
 */
export function acknowledge(scope: IConstruct, id: string, control: HipaaControl, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason: `${control}: ${reason}` });
}

/**
 * The rule packs every stack is checked against (policy-validation plugins, cdk-nag v3). Given the app,
 * they also copy each acknowledgement into the template's resource Metadata (`cdk_nag.rules_to_suppress`),
 * so the deployed templates carry the audit trail of every exception and its reason.
 */
export function nagPacks(app?: App) {
  // One pack registering the metadata aspect is enough: it copies every acknowledgement, whatever the pack.
  return [
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: app !== undefined }),
    new HIPAASecurityChecks(),
  ];
}

/** Registers the packs on the app: `cdk synth` fails on any unacknowledged finding. */
export function addNagPacks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
