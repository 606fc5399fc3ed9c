import type { Role } from '../../../core/model/principal.ts';
import type {
  AuthorizationDecision,
  AuthorizationRequest,
  Authorizer,
} from '../../../core/ports/authorizer.ts';

/** Which roles may perform which API actions, as data. */
export type RoleTable = Record<string, readonly Role[]>;

/**
 * A table-driven authorizer: an action is allowed when the principal holds one of its roles, and only on
 * its own tenant's resources — except for an operator, on the actions the table grants operators. Tests
 * only: the plain statement of the API rules that the shipped Cedar
 * API policies are checked against (cedar-authorizer.test.ts).
 */
export class RoleTableAuthorizer implements Authorizer {
  readonly #table: RoleTable;

  constructor(table: RoleTable) {
    this.#table = table;
  }

  authorize({ principal, action, resource }: AuthorizationRequest): AuthorizationDecision {
    const roles = this.#table[action];
    if (!roles)
      return { allowed: false, policies: ['builtin.unknown-action'], reasons: [`unknown action ${action}`] };
    const crossTenant = principal.roles.includes('operator') && roles.includes('operator');
    if (resource.tenant !== principal.tenant && !crossTenant)
      return { allowed: false, policies: ['builtin.tenant-isolation'], reasons: ['another tenant'] };
    const allowed = principal.roles.some((role) => roles.includes(role));
    return allowed
      ? { allowed, policies: [`builtin.role.${action}`], reasons: [] }
      : { allowed, policies: ['builtin.default-deny'], reasons: [`needs one of ${roles.join(', ')}`] };
  }
}

export const DEFAULT_ROLE_TABLE: RoleTable = {
  'target.list': ['app', 'admin', 'auditor', 'operator'],
  'vm.create': ['app', 'admin'],
  'vm.list': ['app', 'admin', 'auditor', 'operator'],
  'vm.read': ['app', 'admin', 'auditor', 'operator'],
  'vm.action': ['app', 'admin'],
  'vm.delete': ['app', 'admin'],
  'vm.address': ['app', 'admin'],
  'operation.read': ['app', 'admin', 'auditor', 'operator'],
  'operation.list': ['app', 'admin', 'auditor', 'operator'],
  'event.read': ['app', 'admin', 'auditor', 'operator'],
  'webhook.list': ['admin', 'auditor', 'operator'],
  'webhook.create': ['admin'],
  'webhook.delete': ['admin'],
  'volume.create': ['app', 'admin'],
  'volume.list': ['app', 'admin', 'auditor', 'operator'],
  'volume.read': ['app', 'admin', 'auditor', 'operator'],
  'volume.delete': ['app', 'admin'],
  'volume.attach': ['app', 'admin'],
  'volume.detach': ['app', 'admin'],
  'volume.snapshot': ['app', 'admin'],
  'volume.extend': ['app', 'admin'],
  'volume.retype': ['app', 'admin'],
  'backupPolicy.create': ['admin'],
  'backupPolicy.update': ['admin'],
  'backupPolicy.delete': ['admin'],
  'backupPolicy.list': ['app', 'admin', 'auditor', 'operator'],
  'backupPolicy.read': ['app', 'admin', 'auditor', 'operator'],
  'snapshot.read': ['app', 'admin', 'auditor', 'operator'],
  'snapshot.delete': ['app', 'admin'],
  'bucket.create': ['app', 'admin'],
  'bucket.list': ['app', 'admin', 'auditor', 'operator'],
  'bucket.read': ['app', 'admin', 'auditor', 'operator'],
  'bucket.delete': ['app', 'admin'],
  'bucket.presign': ['app', 'admin'],
  'link.create': ['app', 'admin'],
  'link.list': ['app', 'admin', 'auditor', 'operator'],
  'link.read': ['app', 'admin', 'auditor', 'operator'],
  'link.delete': ['app', 'admin'],
  'image.list': ['app', 'admin', 'auditor', 'operator'],
  'image.read': ['app', 'admin', 'auditor', 'operator'],
  'image.copy': ['app', 'admin'],
  'image.delete': ['app', 'admin'],
  'placement.simulate': ['app', 'admin', 'auditor', 'operator'],
  'quota.read': ['app', 'admin', 'auditor', 'operator'],
  'quota.write': ['admin', 'operator'],
  'audit.read': ['admin', 'auditor', 'operator'],
  'audit.verify': ['admin', 'auditor', 'operator'],
  'sandbox.faults': ['operator'],
  'reconcile.run': ['operator'],
  'usage.read': ['app', 'admin', 'auditor', 'operator'],
  'policy.read': ['app', 'admin', 'auditor', 'operator'],
  'usage.readAll': ['operator'],
  'metrics.read': ['operator'],
  'vm.console': ['admin'],
  'vm.readHost': ['admin', 'operator'],
};
