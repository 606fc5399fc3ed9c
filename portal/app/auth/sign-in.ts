import type { UserManager } from 'oidc-client-ts';
import type { AuthConfig } from '../config.ts';
import { type Role, type Session, sessionFromToken, sessionStore } from './session.ts';

/** The embedded default's development sign-in: the broker mints a token for the tenant and roles asked. */
export async function developmentSignIn(apiUrl: string, tenant: string, roles: Role[]): Promise<Session> {
  const response = await fetch(`${apiUrl}/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, roles }),
  });
  const body = await response.json();
  if (!response.ok) throw body;
  const session = sessionFromToken(body.token as string, 'development');
  sessionStore.set(session);
  return session;
}

let manager: UserManager | undefined;

/**
 * OIDC authorization code + PKCE against the configured issuer. oidc-client-ts keeps the user (tokens)
 * in an in-memory store, never localStorage; silent renew refreshes the access token before it expires.
 * Loaded on demand: the embedded default's development sign-in never downloads it.
 */
export async function oidcManager(auth: Extract<AuthConfig, { mode: 'oidc' }>): Promise<UserManager> {
  if (manager) return manager;
  const { InMemoryWebStorage, UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  manager = new UserManager({
    authority: auth.issuer,
    client_id: auth.clientId,
    redirect_uri: `${location.origin}/`,
    post_logout_redirect_uri: `${location.origin}/`,
    response_type: 'code',
    scope: auth.scope ?? 'openid',
    automaticSilentRenew: true,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
  });
  manager.events.addUserLoaded((user) => sessionStore.set(sessionFromToken(user.access_token, 'oidc')));
  manager.events.addUserSignedOut(() => sessionStore.set(undefined));
  return manager;
}

/** Finishes a redirect back from the identity provider (code in the query), then cleans the URL. */
export async function completeOidcRedirect(auth: Extract<AuthConfig, { mode: 'oidc' }>): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') || !params.has('state')) return;
  const user = await (await oidcManager(auth)).signinRedirectCallback();
  history.replaceState(null, '', '/');
  sessionStore.set(sessionFromToken(user.access_token, 'oidc'));
}

export function signOut(): void {
  sessionStore.set(undefined);
  void manager?.removeUser();
}
