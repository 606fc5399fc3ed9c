import createClient, { type Client } from 'openapi-fetch';
import { sessionStore } from '../auth/session.ts';
import type { components, paths } from './schema.d.ts';

export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type ApiClient = Client<paths>;

/** An RFC 9457 problem the API answered, thrown by the data hooks so pages show `detail` and field errors. */
export class ApiProblem extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.problem = problem;
  }
  /** Field errors keyed by the field name without its `body.` prefix (`name`, `size`). */
  fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const issue of this.problem.errors ?? [])
      byField[issue.field.replace(/^body\./, '')] = issue.message;
    return byField;
  }
}

/** The typed client: every path, body and answer checked against the generated OpenAPI types. */
export function apiClient(baseUrl: string, fetcher?: typeof fetch): ApiClient {
  const client = createClient<paths>({ baseUrl, ...(fetcher ? { fetch: fetcher } : {}) });
  client.use({
    onRequest({ request }) {
      const token = sessionStore.get()?.token;
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

/** The data of a typed call, or its problem thrown (a non-problem failure becomes a problem too). */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const error = result.error as Partial<Problem> | undefined;
    throw new ApiProblem({
      type: error?.type ?? 'about:blank',
      title: error?.title ?? result.response.statusText,
      status: error?.status ?? result.response.status,
      detail: error?.detail ?? `HTTP ${result.response.status}`,
      code: error?.code ?? 'http.error',
      ...(error?.errors ? { errors: error.errors } : {}),
      ...(error?.requestId ? { requestId: error.requestId } : {}),
    });
  }
  return result.data as T;
}
