import type { Role } from '../../core/model/principal.ts';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from '../../core/ports/authorizer.ts';

/** Which roles may perform which API actions, as data. */
export type RoleTable = Record<string, readonly Role[]>;

/**
 * A table-driven authorizer: an action is allowed when the principal holds one of its roles, and only on
 * its own tenant's resources. Tests only: the plain statement of the API rules that the shipped Cedar
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
    if (resource.tenant !== principal.tenant && !principal.roles.includes('admin'))
      return { allowed: false, policies: ['builtin.tenant-isolation'], reasons: ['another tenant'] };
    const allowed = principal.roles.some((role) => roles.includes(role));
    return allowed
      ? { allowed, policies: [`builtin.role.${action}`], reasons: [] }
      : { allowed, policies: ['builtin.default-deny'], reasons: [`needs one of ${roles.join(', ')}`] };
  }
}

export const DEFAULT_ROLE_TABLE: RoleTable = {
  'target.list': ['app', 'admin', 'auditor'],
  'vm.create': ['app', 'admin'],
  'vm.list': ['app', 'admin', 'auditor'],
  'vm.read': ['app', 'admin', 'auditor'],
  'vm.action': ['app', 'admin'],
  'vm.delete': ['app', 'admin'],
  'operation.read': ['app', 'admin', 'auditor'],
  'volume.create': ['app', 'admin'],
  'volume.list': ['app', 'admin', 'auditor'],
  'volume.read': ['app', 'admin', 'auditor'],
  'volume.delete': ['app', 'admin'],
  'volume.attach': ['app', 'admin'],
  'volume.detach': ['app', 'admin'],
  'volume.snapshot': ['app', 'admin'],
  'snapshot.read': ['app', 'admin', 'auditor'],
  'snapshot.delete': ['app', 'admin'],
  'bucket.create': ['app', 'admin'],
  'bucket.list': ['app', 'admin', 'auditor'],
  'bucket.read': ['app', 'admin', 'auditor'],
  'bucket.delete': ['app', 'admin'],
  'bucket.presign': ['app', 'admin'],
  'link.create': ['app', 'admin'],
  'link.list': ['app', 'admin', 'auditor'],
  'link.read': ['app', 'admin', 'auditor'],
  'link.delete': ['app', 'admin'],
  'audit.read': ['admin', 'auditor'],
  'audit.verify': ['admin', 'auditor'],
  'sandbox.faults': ['admin'],
  'reconcile.run': ['admin'],
};
