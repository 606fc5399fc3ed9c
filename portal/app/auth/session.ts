import { useSyncExternalStore } from 'react';

export type Role = 'app' | 'admin' | 'auditor' | 'operator';

/** Who is signed in. The token lives in memory only: a reload signs in again (silently under OIDC). */
export interface Session {
  token: string;
  tenant: string;
  roles: Role[];
  subject: string;
  /** 'development' when minted by the embedded default's development sign-in. */
  via: 'development' | 'oidc';
}

let current: Session | undefined;
const listeners = new Set<() => void>();

export const sessionStore = {
  get: () => current,
  set(next: Session | undefined) {
    current = next;
    for (const listener of listeners) listener();
  },
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session | undefined {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
}

/** The claims of a JWT (not verified here: the API verifies every call; this only shapes the UI). */
export function sessionFromToken(token: string, via: Session['via']): Session {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(json) as { tenant?: string; roles?: Role[]; sub?: string };
  return { token, via, tenant: claims.tenant ?? '', roles: claims.roles ?? [], subject: claims.sub ?? '' };
}

/**
 * What the UI offers a role. The API stays the authority (a hidden button is a courtesy, not a control):
 * these mirror policies/api.cedar so nobody is shown a button that can only answer 403.
 */
export function abilities(session: Session | undefined) {
  const has = (...roles: Role[]) => roles.some((r) => session?.roles.includes(r));
  return {
    change: has('app', 'admin'),
    audit: has('admin', 'auditor', 'operator'),
    /** Changing limits: a tenant's admin for its own tenant, an operator for any (api.cedar). */
    quotas: has('admin', 'operator'),
    view: has('app', 'admin', 'auditor', 'operator'),
  };
}
