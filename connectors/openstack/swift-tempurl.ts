import { createHmac } from 'node:crypto';

/**
 * Swift TempURL signing with HMAC-SHA256: the signature is the hex HMAC, under the account's
 * Temp-URL-Key, of `METHOD\nEXPIRES\nPATH`, where PATH is `/v1/<account>/<container>/<object>` *decoded*
 * (Swift recomputes it from the request's PATH_INFO), while the URL carries the path percent-encoded.
 * A 64-hex-digit `temp_url_sig` tells Swift the digest is SHA-256.
 * https://docs.openstack.org/swift/latest/api/temporary_url_middleware.html
 */
export interface TempUrlInput {
  /** The object-store endpoint from the catalog, e.g. `http://127.0.0.1:8080/v1/AUTH_<project>`. */
  storageUrl: string;
  container: string;
  object: string;
  method: 'GET' | 'PUT' | 'HEAD' | 'POST' | 'DELETE';
  /** Unix seconds. */
  expires: number;
  key: string;
}

export function signTempUrl(input: TempUrlInput): string {
  const storage = new URL(input.storageUrl);
  const account = accountOf(storage.pathname);
  const signedPath = `/v1/${account}/${input.container}/${input.object}`;
  const sig = tempUrlSignature(input.method, input.expires, signedPath, input.key);
  const url = new URL(storage.toString());
  url.pathname = `${storage.pathname.replace(/\/+$/, '')}/${encodeURIComponent(input.container)}/${encodeObject(input.object)}`;
  url.search = `?temp_url_sig=${sig}&temp_url_expires=${input.expires}`;
  return url.toString();
}

/** hex(HMAC-SHA256(key, "METHOD\nEXPIRES\nPATH")). */
export function tempUrlSignature(method: string, expires: number, path: string, key: string): string {
  return createHmac('sha256', key).update(`${method}\n${expires}\n${path}`).digest('hex');
}

/** The account segment after `/v1/` in the storage URL's path (decoded, as Swift sees it). */
export function accountOf(pathname: string): string {
  const parts = pathname.split('/').filter(Boolean);
  const v1 = parts.indexOf('v1');
  const account = v1 === -1 ? undefined : parts[v1 + 1];
  if (!account) throw new Error('object-store endpoint has no /v1/<account> path');
  return decodeURIComponent(account);
}

/** Object names keep their `/` separators; every segment is percent-encoded. */
export const encodeObject = (name: string): string => name.split('/').map(encodeURIComponent).join('/');
