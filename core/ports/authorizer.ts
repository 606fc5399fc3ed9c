import type { Classification } from '../classification.ts';
import type { Principal } from '../model/principal.ts';

/** An API action (`vm.create`, `audit.read`, …) on a resource, asked before any route's work. */
export interface AuthorizationRequest {
  principal: Principal;
  action: string;
  resource: {
    type: string;
    /** The tenant that owns the resource (the principal's own for tenant-scoped routes). */
    tenant: string;
    id?: string;
    classification?: Classification;
  };
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** The policies that decided. */
  policies: string[];
  reasons: string[];
}

export interface Authorizer {
  authorize(request: AuthorizationRequest): AuthorizationDecision;
}
