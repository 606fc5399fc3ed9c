/** Who is calling: taken from a verified JWT (`sub`, `tenant`, `roles`). */
export const ROLES = ['app', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  sub: string;
  tenant: string;
  roles: Role[];
}
