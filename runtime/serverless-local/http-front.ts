import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { matchRoute, type RouteShape } from './cloud-assembly.ts';
import type { FunctionPool } from './function-pool.ts';

export interface FrontOptions {
  region: string;
  routes: RouteShape[];
  /** The JWT authorizer: the IdP's issuer and audiences and where its keys are. */
  authorizer: { issuer: string; audience: string[]; jwksUrl: URL };
  api: FunctionPool;
  /** The API's `domainName` in the request context (what the custom domain would be). */
  domainName: string;
}

/** API Gateway's own answers, in its shape (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html). */
const GATEWAY_ERRORS = {
  unauthorized: { status: 401, body: { message: 'Unauthorized' } },
  notFound: { status: 404, body: { message: 'Not Found' } },
  internal: { status: 500, body: { message: 'Internal Server Error' } },
  timeout: { status: 503, body: { message: 'Service Unavailable' } },
} as const;

/** Largest request payload an HTTP API takes (10 MB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * An HTTP API stage in front of the API function: each request becomes a payload-format-2.0 event
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
 * routes with a JWT authorizer verify the bearer token first (issuer, audience, signature against the
 * IdP's JWKS, expiry) and pass its claims in `requestContext.authorizer.jwt`, and the function's
 * structured answer becomes the HTTP response.
 */
export function httpFront(options: FrontOptions) {
  const jwks = createRemoteJWKSet(options.authorizer.jwksUrl);

  const authorize = async (header: string | undefined): Promise<JWTPayload | undefined> => {
    const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: options.authorizer.issuer,
        audience: options.authorizer.audience,
      });
      return payload;
    } catch {
      return undefined;
    }
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const method = (req.method ?? 'GET').toUpperCase();
    const route = matchRoute(options.routes, method, url.pathname);
    if (!route) return send(res, GATEWAY_ERRORS.notFound);
    const body = await readBody(req);
    if (body === undefined) return send(res, { status: 413, body: { message: 'Request Entity Too Large' } });

    let claims: JWTPayload | undefined;
    // Preflights reach the function without a token (the HTTP API answers CORS preflights itself).
    if (route.jwt && method !== 'OPTIONS') {
      claims = await authorize(header(req, 'authorization'));
      if (!claims) return send(res, GATEWAY_ERRORS.unauthorized);
    }
    const event = toEvent(req, url, method, route, body, claims, options, started);
    const result = await options.api.invoke(event);
    if (!result.ok)
      return send(
        res,
        result.error.errorType === 'Sandbox.Timedout' ? GATEWAY_ERRORS.timeout : GATEWAY_ERRORS.internal,
      );
    writeResult(res, result.value as APIGatewayProxyStructuredResultV2);
  };
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  route: RouteShape,
  body: Buffer,
  claims: JWTPayload | undefined,
  options: FrontOptions,
  started: number,
): APIGatewayProxyEventV2 {
  // HTTP APIs join repeated headers with commas and lower-case their names; cookies move to `cookies`.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
  headers['x-forwarded-proto'] ??= 'http';
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const routeKey = route.path === '$default' ? '$default' : `${route.method} ${route.path}`;
  const proxy = route.path.endsWith('/{proxy+}')
    ? { proxy: decodeURIComponent(url.pathname.slice(route.path.length - '{proxy+}'.length)) }
    : undefined;
  const textual = isTextual(headers['content-type']);
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(proxy ? { pathParameters: proxy } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: options.domainName,
      domainPrefix: options.domainName.split('.')[0]!,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: new Date(started).toUTCString(),
      timeEpoch: started,
      ...(claims ? { authorizer: { jwt: { claims: stringClaims(claims), scopes: [] as string[] } } } : {}),
    },
    ...(body.length > 0
      ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual }
      : { isBase64Encoded: false }),
  } as APIGatewayProxyEventV2;
}

/** The authorizer's claims as API Gateway passes them: strings (arrays as `[a b]`). */
function stringClaims(claims: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
  );
}

function isTextual(contentType: string | undefined): boolean {
  return !contentType || /^(text\/|application\/(.+\+)?(json|xml|x-www-form-urlencoded))/i.test(contentType);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode ?? 200, headers);
  const body = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function send(res: ServerResponse, error: { status: number; body: unknown }): void {
  res.writeHead(error.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(error.body));
}
