/**
 * The OpenAPI 3.1 document of the routes the gateway serves, built from the route table itself:
 * each route's `doc` (route-doc.ts) gives its zod schemas, which zod 4 writes as JSON Schema draft
 * 2020-12, the dialect OpenAPI 3.1 uses as it is. The errors every route of a kind can give (401
 * without a credential, 413/415 for a body, 429 rate limits, 500) are added from the route's shape,
 * so a route declares only its own. A route without a doc is still listed (with its pattern as its
 * summary): the document names every route the server answers, documented or not.
 */
import * as z from 'zod';
import { ErrorBody, type RouteDoc } from './route-doc.js';

/** How a caller reaches a route: with a credential, open (rate-limited per address), or a probe/page served before the REST table. */
export type RouteAccess = 'signedIn' | 'public' | 'local';

export interface DocumentedRoute {
  readonly method: 'get' | 'post' | 'del';
  readonly pattern: string;
  readonly access: RouteAccess;
  readonly hasBody: boolean;
  readonly doc?: RouteDoc;
}

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  /** Whether REST rate limits are on (429 RATE_LIMITED on the REST routes). */
  readonly rateLimited: boolean;
}

type Json = Record<string, unknown>;

const ERROR_BODY_REF = '#/components/schemas/ErrorBody';

const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
    description: 'An access token (JWT signed with EdDSA/Ed25519; the keys are at /.well-known/jwks.json) from POST /auth/login, /auth/refresh or /auth/mfa/verify.',
  },
  apiKey: {
    type: 'apiKey', in: 'header', name: 'Authorization',
    description: 'An API key (POST /auth/api-keys), sent as `Authorization: ApiKey <key>`: type the word ApiKey, a space, then the key.',
  },
} as const;

/** A zod schema as OpenAPI 3.1 writes it: draft 2020-12, without its own `$schema` (the document's dialect applies). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  // Refinements (printable text, a calendar date) cannot be said in JSON Schema: left out, the server still checks them.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return rest;
}

/** `/trades/:id` → `/trades/{id}`, and the parameter names in order. */
export function openApiPath(pattern: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = pattern.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

function operationId(method: string, pattern: string): string {
  const words = pattern.split('/').filter((s) => s !== '').flatMap((s) => (s.startsWith(':') ? ['by', s.slice(1)] : s.split(/[^A-Za-z0-9]+/)));
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  // A trailing slash is its own route (GET /dashboard/ beside GET /dashboard): its id says so.
  const slash = pattern.length > 1 && pattern.endsWith('/') ? 'Slash' : '';
  return (method === 'del' ? 'delete' : method) + words.map(cap).join('') + slash;
}

/** The error codes a route gives by status because of its shape, before its own. */
function shapeErrors(r: DocumentedRoute, params: readonly string[], info: OpenApiInfo): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const add = (status: number, code: string) => out.set(status, [...(out.get(status) ?? []), code]);
  if (params.length > 0) add(400, 'BAD_PATH');
  if (r.hasBody) {
    add(400, 'BAD_JSON');
    add(413, 'PAYLOAD_TOO_LARGE');
    add(415, 'UNSUPPORTED_MEDIA_TYPE');
  }
  if (r.access === 'signedIn') add(401, 'UNAUTHENTICATED');
  if (r.access !== 'local' && info.rateLimited) add(429, 'RATE_LIMITED');
  add(500, 'INTERNAL');
  return out;
}

function errorResponse(codes: readonly string[]): Json {
  return {
    description: `Error ${codes.join(', ')}`,
    // allOf rather than $ref with siblings: generators and viewers read it alike.
    content: { 'application/json': { schema: { allOf: [{ $ref: ERROR_BODY_REF }, { properties: { code: { enum: [...codes] } } }] } } },
  };
}

function operation(r: DocumentedRoute, info: OpenApiInfo): { path: string; method: string; op: Json } {
  const { path, params } = openApiPath(r.pattern);
  const doc = r.doc;
  const parameters: Json[] = params.map((name) => ({
    name, in: 'path', required: true, schema: doc?.params?.[name] ? jsonSchemaOf(doc.params[name], 'input') : { type: 'string' },
  }));
  if (doc?.query) {
    const q = jsonSchemaOf(doc.query, 'input');
    const props = (q.properties ?? {}) as Record<string, Json>;
    const required = new Set((q.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: required.has(name), schema: rest, ...(description !== undefined ? { description } : {}) });
    }
  }
  const responses: Record<string, Json> = {};
  for (const [status, resp] of Object.entries(doc?.responses ?? {})) {
    const contentType = resp.contentType ?? 'application/json';
    const media: Json = {
      ...(resp.schema ? { schema: jsonSchemaOf(resp.schema, 'output') } : {}),
      ...(resp.example !== undefined ? { example: resp.example } : {}),
    };
    responses[status] = { description: resp.description, ...(resp.schema || resp.example !== undefined || resp.contentType ? { content: { [contentType]: media } } : {}) };
  }
  if (doc === undefined) responses['200'] = { description: 'Success' };
  const errs = shapeErrors(r, params, info);
  for (const [status, codes] of Object.entries(doc?.errors ?? {})) {
    errs.set(Number(status), [...(errs.get(Number(status)) ?? []), ...(codes ?? [])]);
  }
  for (const [status, codes] of [...errs].sort((a, b) => a[0] - b[0])) {
    const unique = [...new Set(codes)];
    const own = responses[String(status)];
    // A route's own answer for an error status (a refused order's {code, reason, …}) is kept, with the codes named.
    responses[String(status)] = own ? { ...own, description: `${own.description as string} (${unique.join(', ')})` } : errorResponse(unique);
  }
  const op: Json = {
    operationId: operationId(r.method, r.pattern),
    summary: doc?.summary ?? `${r.method.toUpperCase()} ${r.pattern}`,
    ...(doc?.description ? { description: doc.description } : {}),
    tags: doc?.tags ?? ['undocumented'],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc?.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(doc.body, 'input'), ...(doc.bodyExample !== undefined ? { example: doc.bodyExample } : {}) } } } }
      : {}),
    responses,
    security: r.access === 'signedIn' ? [{ bearerAuth: [] }, { apiKey: [] }] : [],
  };
  return { path, method: r.method === 'del' ? 'delete' : r.method, op };
}

/** The OpenAPI 3.1 document of `routes`, as a plain JSON value. */
export function openApiDocument(routes: readonly DocumentedRoute[], info: OpenApiInfo): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const { path, method, op } = operation(r, info);
    const item = (paths[path] ??= {});
    if (item[method] !== undefined) throw new Error(`two routes for ${method.toUpperCase()} ${path}`);
    item[method] = op;
  }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: info.title,
      version: info.version,
      description: [
        'The REST face of the risk engine (the websocket protocol is in docs/PROTOCOL.md).',
        'Bodies are JSON (`content-type: application/json`), validated strictly: unknown keys are refused.',
        'Every error answer is `{code, message, requestId}`; the codes are stable.',
        'A path served with a method it does not have answers 405 METHOD_NOT_ALLOWED with an `Allow` header; an unknown path 404 NOT_FOUND.',
        'Text fields refuse control characters and unpaired surrogates; such rules, not expressible in JSON Schema, are checked by the server.',
      ].join('\n\n'),
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { ErrorBody: jsonSchemaOf(ErrorBody, 'output') },
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
