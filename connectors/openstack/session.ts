import { isBrokerError } from '../../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from './http.ts';
import type { EndpointInterface, Keystone } from './keystone.ts';

/**
 * Authenticated requests to one target's services: finds the endpoint in the token's catalog, sends the
 * token, and on a 401 forgets the token and tries once more with a fresh one (a 401 means the service
 * did nothing, so even a POST may be repeated). Pagination also lives here.
 */
export type ServiceType = 'compute' | 'block-storage' | 'image' | 'network' | 'object-store' | 'identity';

export interface SessionOptions {
  keystone: Keystone;
  http: HttpClient;
  interface: EndpointInterface;
  region?: string;
}

export interface ServiceRequest extends Omit<HttpRequest, 'url'> {
  /** Relative to the service endpoint (after its version prefix), query included: `/servers/detail?limit=5`. */
  path: string;
}

export interface Page<T> {
  items: T[];
  /** The `next` link the service returned (absolute or relative), if any. */
  next?: string;
}

export class OpenStackSession {
  readonly keystone: Keystone;
  readonly http: HttpClient;
  readonly #o: SessionOptions;

  constructor(options: SessionOptions) {
    this.#o = options;
    this.keystone = options.keystone;
    this.http = options.http;
  }

  /** The service's base URL, with the version prefix the API paths expect. */
  async endpoint(service: ServiceType): Promise<string> {
    const token = await this.keystone.token();
    return versioned(service, this.keystone.endpoint(token, service, this.#o.interface, this.#o.region));
  }

  async request(service: ServiceType, req: ServiceRequest): Promise<HttpResponse> {
    const { path, ...rest } = req;
    for (let attempt = 1; ; attempt++) {
      const token = await this.keystone.token();
      const base = versioned(
        service,
        this.keystone.endpoint(token, service, this.#o.interface, this.#o.region),
      );
      try {
        return await this.http.request({
          ...rest,
          url: `${base}${path}`,
          headers: { ...req.headers, 'X-Auth-Token': token.value },
        });
      } catch (error) {
        if (attempt === 1 && isBrokerError(error, 'unauthorized') && error.details?.status === 401) {
          this.keystone.invalidate(token.value);
          continue;
        }
        throw error;
      }
    }
  }

  async json<T>(service: ServiceType, req: ServiceRequest): Promise<T> {
    return (await this.request(service, req)).json<T>();
  }

  /**
   * Yields every item of a paginated listing, following the service's `next` links (Nova/Cinder/Neutron
   * `*_links` rel=next, Glance `next`). Only the link's query is used, on our own endpoint: services
   * build links from their own idea of their host, which is wrong behind proxies.
   */
  async *paginate<T, B>(
    service: ServiceType,
    req: ServiceRequest,
    page: (body: B) => Page<T>,
  ): AsyncIterable<T> {
    let path: string | undefined = req.path;
    const seen = new Set<string>();
    while (path !== undefined) {
      if (seen.has(path)) return; // a service repeating its own link would loop forever
      seen.add(path);
      const body = await this.json<B>(service, { ...req, path });
      const { items, next } = page(body);
      yield* items;
      path = items.length === 0 ? undefined : nextPath(path, next);
    }
  }
}

/** The path of the next page: our path with the query of the service's `next` link. */
export function nextPath(current: string, next: string | undefined): string | undefined {
  if (!next) return undefined;
  const query = new URL(next, 'http://next.invalid/').search;
  const q = current.indexOf('?');
  return `${q === -1 ? current : current.slice(0, q)}${query}`;
}

/** The `href` of the `rel=next` link in a `*_links` array. */
export function nextLink(links: { rel: string; href: string }[] | undefined): string | undefined {
  return links?.find((l) => l.rel === 'next')?.href;
}

/**
 * Glance and Neutron register unversioned endpoints (`http://host:9292`), some clouds versioned ones;
 * our paths start after the version either way.
 */
function versioned(service: ServiceType, url: string): string {
  if (service === 'image') return /\/v2(\.\d+)?$/.test(url) ? url : `${url}/v2`;
  if (service === 'network') return /\/v2\.0$/.test(url) ? url : `${url}/v2.0`;
  return url;
}

/** A query string from defined values (`undefined` skipped), with a leading `?` when non-empty. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) search.append(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** One path segment, encoded. */
export const seg = (value: string): string => encodeURIComponent(value);
