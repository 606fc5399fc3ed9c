import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * A role whose permissions live in one customer-managed policy instead of an inline default policy.
 * Every `grant*()` CDK makes on the role (ours and the ones L2 constructs add) lands in that policy, so the
 * role has no inline policy (HIPAA.Security-IAMNoInlinePolicy) and no AWS-managed policy (AwsSolutions-IAM4):
 * everything it may do is written out in the template, statement by statement.
 */
export class ManagedPolicyRole extends iam.Role {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Permissions of ${this.node.path}`,
      roles: [this],
    });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
