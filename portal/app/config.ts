/**
 * The portal's runtime configuration, fetched from `/config.json` at start (not baked into the build), so
 * one build serves every stage: the embedded default answers with development sign-in; a deployed portal's
 * config.json (written by the portal stack) names the API URL and the OIDC identity provider.
 */
export type AuthConfig =
  | { mode: 'development' }
  | { mode: 'oidc'; issuer: string; clientId: string; scope?: string }
  | { mode: 'none' };

export interface PortalConfig {
  /** The API's origin; '' means the portal's own origin. */
  apiUrl: string;
  auth: AuthConfig;
}

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<PortalConfig> {
  const response = await fetcher('/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = (await response.json()) as Partial<PortalConfig>;
  if (typeof config.apiUrl !== 'string' || !config.auth)
    throw new Error('config.json: apiUrl and auth needed');
  return { apiUrl: config.apiUrl.replace(/\/$/, ''), auth: config.auth };
}
