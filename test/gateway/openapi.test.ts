/**
 * GET /openapi.json of an engine composed as `serve` composes it (startApp, in memory): every route
 * the gateway registered is in the document and nothing else is, each with a doc of its own; every
 * example the docs give is accepted by the zod schema the server checks with; and the document has
 * the structure OpenAPI 3.1 requires. Needs `npm run build` (the risk pool runs the compiled worker).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openApiPath } from '../../src/gateway/openapi.js';
import { type RunningApp, startApp } from '../../src/main.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-openapi-'));
const env = { DATA_DIR: dataDir, ENCRYPTION_KEY: randomBytes(32).toString('base64'), PERSISTENCE: 'memory', PORT: '0', LOG_LEVEL: 'silent', RISK_POOL_THREADS: '1' };

type Json = Record<string, any>;
let app: RunningApp;
let doc: Json;
let res: Response;

beforeAll(async () => {
  app = await startApp(loadConfig(env), { log: () => {} });
  res = await fetch(`http://127.0.0.1:${app.port}/openapi.json`);
  doc = (await res.json()) as Json;
});
afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const opKey = (method: string, path: string) => `${method === 'del' ? 'DELETE' : method.toUpperCase()} ${path}`;

function operations(): [string, string, Json][] {
  const out: [string, string, Json][] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) out.push([path, method, op as Json]);
  }
  return out;
}

/** Every `$ref` anywhere in a value. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('answers the document as JSON without a token', () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('documents every route the gateway registered, and no route it did not', () => {
    const registered = app.routes.map((r) => opKey(r.method, openApiPath(r.pattern).path)).sort();
    const documented = operations().map(([path, method]) => opKey(method, path)).sort();
    expect(new Set(registered).size).toBe(registered.length);
    expect(documented).toEqual(registered);
    // The table GET /openapi.json was built from is the registered one.
    expect(app.documented.map((r) => opKey(r.method, r.pattern))).toEqual(app.routes.map((r) => opKey(r.method, r.pattern)));
  });

  it('gives every route a doc of its own: a summary, tags, and a body schema exactly when the route reads a body', () => {
    const missing = app.documented.filter((r) => r.doc === undefined).map((r) => opKey(r.method, r.pattern));
    expect(missing).toEqual([]);
    for (const r of app.documented) {
      expect(r.doc?.summary, r.pattern).toMatch(/\w/);
      expect(r.doc?.tags.length, r.pattern).toBeGreaterThan(0);
      expect(r.doc?.body !== undefined, `${r.pattern}: a body schema when it has a body`).toBe(r.hasBody);
    }
  });

  it('gives examples the zod schemas the server checks requests with accept', () => {
    let checked = 0;
    for (const r of app.documented) {
      const d = r.doc;
      if (d?.body) {
        expect(d.bodyExample, `${r.pattern}: a body example`).toBeDefined();
        const parsed = d.body.safeParse(d.bodyExample);
        expect(parsed.success ? 'ok' : parsed.error.message, `${opKey(r.method, r.pattern)} body example`).toBe('ok');
        checked++;
      }
      for (const [status, resp] of Object.entries(d?.responses ?? {})) {
        if (resp.example === undefined) continue;
        expect(resp.schema, `${r.pattern} ${status}: an example needs a schema to check`).toBeDefined();
        const parsed = resp.schema!.safeParse(resp.example);
        expect(parsed.success ? 'ok' : parsed.error.message, `${opKey(r.method, r.pattern)} ${status} example`).toBe('ok');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('writes each example into the document next to the schema it illustrates', () => {
    const create = doc.paths['/portfolios'].post.requestBody.content['application/json'];
    expect(create.schema).toMatchObject({ type: 'object', additionalProperties: false, required: expect.arrayContaining(['portfolioId', 'cash']) });
    expect(create.example).toMatchObject({ portfolioId: 'p-1' });
    const ready = doc.paths['/readyz'].get.responses['503'].content['application/json'];
    expect(ready.example).toMatchObject({ code: 'NOT_READY' });
  });

  it('has the structure OpenAPI 3.1 requires', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const schemes = Object.keys(doc.components.securitySchemes);
    expect(schemes.sort()).toEqual(['apiKey', 'bearerAuth']);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    const ids = new Set<string>();
    for (const [path, method, op] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path, where).toMatch(/^\//);
      expect(HTTP_METHODS, where).toContain(method);
      expect(ids.has(op.operationId), `${where}: operationId ${op.operationId} is unique`).toBe(false);
      ids.add(op.operationId);
      // Every templated segment is a required path parameter, and every path parameter is in the template.
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const pathParams = (op.parameters ?? []).filter((p: Json) => p.in === 'path');
      expect(pathParams.map((p: Json) => p.name), where).toEqual(templated);
      for (const p of op.parameters ?? []) {
        expect(['path', 'query', 'header', 'cookie'], where).toContain(p.in);
        expect(p.schema, `${where} ${p.name}`).toBeTypeOf('object');
        if (p.in === 'path') expect(p.required, `${where} ${p.name}`).toBe(true);
      }
      expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
      for (const [status, r] of Object.entries(op.responses as Json)) {
        expect(status, where).toMatch(/^[1-5]\d\d$/);
        expect(r.description, `${where} ${status}`).toBeTypeOf('string');
      }
      for (const requirement of op.security ?? []) for (const name of Object.keys(requirement)) expect(schemes, where).toContain(name);
    }
    // Only references into components, each to something there; no schema carries its own $defs.
    for (const ref of refs(doc)) {
      const m = /^#\/components\/schemas\/(\w+)$/.exec(ref);
      expect(m, ref).not.toBeNull();
      expect(doc.components.schemas[m![1]!], ref).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toContain('"$defs"');
  });

  it('names the credentials, the error body and the codes a route can answer', () => {
    const cancel = doc.paths['/trades/{id}'].delete;
    expect(cancel.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    const codesOf = (op: Json, status: string) => op.responses[status].content['application/json'].schema.allOf[1].properties.code.enum;
    expect(codesOf(cancel, '401')).toEqual(['UNAUTHENTICATED']);
    expect(codesOf(cancel, '403')).toEqual(['FORBIDDEN']);
    expect(codesOf(cancel, '409')).toContain('CONFLICT');
    expect(codesOf(cancel, '400')).toEqual(['BAD_PATH']);
    expect(codesOf(cancel, '429')).toEqual(['RATE_LIMITED']);
    const create = doc.paths['/portfolios'].post;
    expect(codesOf(create, '400')).toEqual(expect.arrayContaining(['BAD_JSON', 'INVALID_MESSAGE']));
    expect(codesOf(create, '413')).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(codesOf(create, '415')).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    const login = doc.paths['/auth/login'].post;
    expect(login.security).toEqual([]);
    expect(codesOf(login, '401')).toEqual(['LOGIN_FAILED']);
    expect(doc.components.schemas.ErrorBody).toMatchObject({ type: 'object', required: ['code', 'message', 'requestId'] });
    // A probe is open and not rate-limited.
    expect(doc.paths['/livez'].get.responses['429']).toBeUndefined();
    expect(doc.paths['/livez'].get.security).toEqual([]);
  });

  it('lists the query parameters of a list route from its schema', () => {
    const params = doc.paths['/compliance/alerts'].get.parameters as Json[];
    expect(params.map((p) => p.name)).toEqual(['state', 'severity', 'rule', 'customer', 'limit', 'after']);
    expect(params.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } });
  });
});
