/**
 * Who is calling: taken from a verified JWT (`sub`, `tenant`, `roles`). `app`, `admin` and `auditor` act
 * within their tenant; `operator` is the platform role (reads across tenants, sandbox faults).
 */
export const ROLES = ['app', 'admin', 'auditor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  tenant: string;
  roles: Role[];
}
