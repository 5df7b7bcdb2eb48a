/**
 * Hostile HTTP requests as raw bytes, from a seeded Rand: every method on every route, bad and
 * overlong percent-escapes, invalid UTF-8 and NUL bytes in paths and headers, long and many
 * headers, wrong tokens and content types, truncated, oversized, chunked and malformed bodies,
 * deeply nested and huge JSON, numbers as strings, `__proto__` / `constructor` keys. Written by
 * hand because fetch/undici normalise paths and refuse bad bytes before they reach the server.
 */
import { ADMIN_ROUTES } from '../../src/gateway/admin-routes.js';
import { authPublicRoutes, authRoutes } from '../../src/gateway/auth-routes.js';
import type { AccountService } from '../../src/gateway/identity/account-service.js';
import { kycRoutes } from '../../src/gateway/kyc-routes.js';
import { amlAlertRoutes } from '../../src/gateway/aml-alert-routes.js';
import { complianceRoutes, type SanctionsScreening } from '../../src/gateway/compliance-routes.js';
import { MARKET_ROUTES } from '../../src/gateway/market-routes.js';
import { KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { ROUTES } from '../../src/gateway/rest-routes.js';
import type { Rand } from './random.js';

export interface HostileRequest {
  readonly bytes: Buffer;
  /** Short description for a report (no bulk bytes). */
  readonly what: string;
  readonly method: string;
  /**
   * Its framing cannot be trusted (truncated or extra body bytes, chunked, bare LF, garbage): sent
   * as the only request on its connection so no other request's answer is blamed on it.
   */
  readonly alone: boolean;
  /**
   * Likely answered with `Connection: close` (a body route refused before its body is read): sent
   * last on its connection so the requests behind it need not go again.
   */
  readonly endsConnection?: boolean;
  /** Checks of this request beyond the documented set; a string names the failure. */
  readonly check?: (status: number, headers: ReadonlyMap<string, string>) => string | null;
}

/** Bearer tokens the generator may send, minted by the runner with the engine's secret. */
export interface HttpTokens {
  readonly admin: string;
  readonly trader: string;
  readonly riskManager: string;
  readonly compliance: string;
  readonly feed: string;
  /** Signed with another secret, expired, wrong audience: refused by the verifier. */
  readonly refused: readonly string[];
}

export interface HttpFuzzContext {
  readonly tokens: HttpTokens;
  /** Portfolio ids that exist or may be created (small, so creates collide with 409s). */
  readonly portfolioIds: readonly string[];
  readonly maxBodyBytes: number;
}

const STANDARD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const JUNK_METHODS = ['FOO', 'get', 'CONNECT', 'TRACE', 'PROPFIND', 'BREW', 'G\0T', 'X'.repeat(300), 'POST\tX', 'DELETE ', 'ÄÖ'];

interface KnownPath {
  readonly pattern: string;
  /** Upper-case methods the path answers. */
  readonly methods: readonly string[];
  readonly hasBody: boolean;
}

const UWS_METHOD: Record<string, string> = { get: 'GET', post: 'POST', del: 'DELETE' };

/** Every route the gateway serves, its methods merged per pattern (read from the route tables). */
export function knownPaths(): readonly KnownPath[] {
  const byPattern = new Map<string, { methods: string[]; hasBody: boolean }>();
  // The account routes' tables only close over their service; their patterns are all the fuzz reads.
  const accounts = undefined as unknown as AccountService;
  // The KYC routes read their upload limit from the service at construction: a real one, unused.
  const kyc = new KycService({ store: new KycStore(new MemoryKycRows(), memoryDataKeys({ current: { id: 'fuzz', key: Buffer.alloc(32) }, previous: [] })), audit: async () => {} });
  // Likewise the screening: only the compliance routes' patterns are read here.
  const screening = undefined as unknown as SanctionsScreening;
  const compliance = [...complianceRoutes(screening), ...amlAlertRoutes({ audit: async () => {} })];
  for (const r of [...ROUTES, ...ADMIN_ROUTES, ...MARKET_ROUTES, ...authPublicRoutes(accounts), ...authRoutes(accounts), ...kycRoutes(kyc), ...compliance]) {
    const e = byPattern.get(r.pattern) ?? { methods: [], hasBody: false };
    e.methods.push(UWS_METHOD[r.method] ?? r.method.toUpperCase());
    e.hasBody ||= r.hasBody;
    byPattern.set(r.pattern, e);
  }
  const out: KnownPath[] = [...byPattern].map(([pattern, e]) => ({ pattern, methods: e.methods, hasBody: e.hasBody }));
  // The routes server.ts serves itself.
  // Not /openapi.json nor Swagger UI's large files: answers above 64 KiB are written as the socket
  // drains, and uWS closes a connection on which a request arrives before the previous answer is
  // complete (it refuses asynchronous pipelining; docs/PROTOCOL.md "HTTP pipelining"), which this
  // fuzz's oracle would count as a lost answer.
  for (const pattern of ['/health', '/livez', '/readyz', '/ws', '/.well-known/jwks.json', '/docs', '/docs/init.js']) out.push({ pattern, methods: ['GET'], hasBody: false });
  return out;
}

/** A raw JSON text fragment (Infinity as 1e999, NaN, bare words) placed as is by toJsonText. */
class Raw {
  constructor(readonly text: string) {}
}

function toJsonText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Percent-escapes and raw bytes that break decoders; the first is the issue's crash. */
const BAD_SEGMENTS: readonly (string | Buffer)[] = [
  '%E0%A4%A', '%', '%%', '%Z', '%ZZ', '%E0%A4', '%C0%AF', '%ED%A0%80', '%FF%FE', '%F4%90%80%80', '%C3', '%00', '%2F..%2F', '%2e%2e',
  '%25E0%25A4%25A', '%2525', '%25%', 'a%', '%u0041', '%E2%82', '%ef%bf%bd', '..', '.', '%20', 'x%0D%0AX-Injected:%201',
  Buffer.from([0xff, 0xfe, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('a\0b'), Buffer.from([0x7f]),
  Buffer.from('ünïcødé'), Buffer.from('💥'),
];

/** A path segment; `raw` when it holds bytes outside printable ASCII, which uWS may refuse by closing. */
function segment(rand: Rand, ctx: HttpFuzzContext): { seg: Buffer; plain: boolean; raw?: boolean } {
  const k = rand.int(10);
  if (k < 4) return { seg: Buffer.from(rand.chance(0.5) ? rand.pick(ctx.portfolioIds) : `${rand.pick(ctx.portfolioIds)}-o${rand.int(20)}`), plain: true };
  if (k < 8) {
    let s = Buffer.alloc(0);
    let raw = false;
    for (let i = rand.range(1, 3); i > 0; i--) {
      const b = rand.pick(BAD_SEGMENTS);
      raw ||= typeof b !== 'string';
      s = Buffer.concat([s, typeof b === 'string' ? Buffer.from(b) : b]);
    }
    return { seg: s, plain: false, raw };
  }
  if (k < 9) return { seg: Buffer.from(rand.chance(0.5) ? '%41'.repeat(rand.pick([300, 3000, 12_000])) : 'a'.repeat(rand.pick([1000, 8000, 30_000]))), plain: false };
  return { seg: Buffer.from(rand.bytes(rand.range(1, 40)).filter((b) => b !== 0x20 && b !== 0x2f && b !== 0x3f && b !== 0x0d && b !== 0x0a)), plain: false, raw: true };
}

const QUERIES = [
  '', '', '', '?portfolioId=P1', '?limit=2&cursor=abc', '?cursor=%E0%A4%A', '?cursor=' + 'x'.repeat(500), '?limit=1&cursor=', '?portfolioId=%E0%A4%A', '?portfolioId=', '?limit=abc', '?limit=1e3', '?limit=-1', '?limit=99999999999999999999',
  '?limit=0', '?limit=1000', '?limit=%00', '?portfolioId=P1&portfolioId=P2', '?portfolioId[]=x', '?%=%', '?&&&', '?token=x', '?limit=5.5', '?portfolioId=%FF',
];

function target(rand: Rand, ctx: HttpFuzzContext, p: KnownPath): { path: Buffer; plain: boolean; raw: boolean } {
  let plain = true;
  let raw = false;
  const parts = p.pattern.split('/').map((part) => {
    if (!part.startsWith(':')) return Buffer.from(part);
    const s = segment(rand, ctx);
    plain &&= s.plain;
    raw ||= s.raw === true;
    return s.seg;
  });
  const joined: Buffer[] = [];
  parts.forEach((b, i) => {
    if (i > 0) joined.push(Buffer.from('/'));
    joined.push(b);
  });
  const q = rand.pick(QUERIES);
  if (q !== '') plain = plain && !q.includes('%E0') && !q.includes('%FF') && !q.includes('%00');
  joined.push(Buffer.from(q));
  return { path: Buffer.concat(joined), plain, raw };
}

function tokenHeader(rand: Rand, ctx: HttpFuzzContext): { header: Buffer | null; valid: boolean } {
  const t = ctx.tokens;
  const k = rand.int(20);
  if (k < 3) return { header: null, valid: false };
  if (k < 13) return { header: Buffer.from(`Bearer ${rand.pick([t.admin, t.admin, t.trader, t.riskManager, t.compliance, t.feed])}`), valid: true };
  const bad: (string | Buffer)[] = [
    `Bearer ${rand.pick(t.refused)}`, 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', `Bearer ${'A'.repeat(rand.pick([100, 9000, 40_000]))}`, 'Bearer a.b.c',
    `bearer ${t.trader}`, `Bearer ${t.trader} extra`, `Bearer ${t.trader.slice(0, -3)}abc`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    Buffer.concat([Buffer.from('Bearer '), Buffer.from([0xff, 0x00, 0x80])]), 'Bearer %E0%A4%A',
  ];
  const b = rand.pick(bad);
  return { header: typeof b === 'string' ? Buffer.from(b) : b, valid: false };
}

// ---- JSON bodies ----

function validBody(rand: Rand, ctx: HttpFuzzContext, pattern: string): Record<string, unknown> {
  const pid = rand.pick(ctx.portfolioIds);
  switch (pattern) {
    case '/portfolios':
      return { portfolioId: pid, cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 10 }], limits: { maxOrderQty: 1000 } };
    case '/risk/limits':
      return { portfolioId: pid, maxOrderQty: rand.range(1, 10_000), tradingState: 'active' };
    case '/trades':
      return { portfolioId: rand.chance(0.5) ? 'P1' : pid, clientOrderId: `h-${rand.int(1e9)}`, instrument: 'AAA', side: rand.pick(['buy', 'sell']), qty: rand.range(1, 5), orderType: 'market' };
    case '/auth/register':
      return { email: `fz${rand.int(1e9)}@example.com`, password: 'a passphrase long enough to pass', displayName: `Fuzz ${rand.int(100)}` };
    case '/auth/login':
      return { email: rand.pick(['nobody@example.com', 'fz1@example.com']), password: 'a passphrase long enough to pass' };
    case '/auth/refresh':
      return { refreshToken: `${rand.int(1e9)}.${'x'.repeat(rand.pick([1, 43, 400]))}` };
    case '/auth/mfa/verify':
      return { mfaToken: 'a.b.c', code: String(rand.int(1e6)).padStart(6, '0') };
    case '/market/band':
      return { symbol: rand.pick(['FZA', 'FZB', 'BBB']), maxJump: rand.chance(0.8) ? rand.pick([0.01, 0.5, 2]) : null };
    case '/kyc/submit':
      return {
        legalName: { givenNames: 'Anna Maria', surname: 'Eriksson' }, dateOfBirth: '1974-08-12', nationality: 'SE', countryOfResidence: 'SE',
        address: { line1: 'Storgatan 1', city: 'Stockholm', country: 'SE' }, document: { type: 'passport', number: 'L898902C3' }, sourceOfFunds: { kind: 'salary' },
      };
    case '/kyc/documents':
      return { documentType: rand.pick(['passport', 'id_card', 'driving_licence']), contentType: 'image/png', dataBase64: rand.pick(['iVBORw0KGgoAAAANSUhEUg==', 'JVBERi0xLjQK', 'aGVsbG8=']) };
    case '/kyc/:userId/decision':
      return { action: rand.pick(['start_review', 'approve', 'reject', 'request_info']), reason: 'fuzz' };
    case '/compliance/sanctions-check':
      return { name: rand.pick(['Usama bin Laden', 'Anna Maria Eriksson', 'NORDSEE HANDELS GMBH']), ...(rand.chance(0.5) ? { dateOfBirth: '1957-07-30', country: 'SA' } : {}) };
    case '/compliance/alerts/:id/transition':
      return { to: rand.pick(['investigating', 'escalated', 'closed_no_action', 'reported']), reason: 'fuzz' };
    case '/compliance/alerts/:id/notes':
      return { text: 'fuzz note' };
    case '/compliance/alerts/:id/assign':
      return { assignee: rand.pick(['carl', 'olga']) };
    default:
      return rand.chance(0.5) ? {} : { data: { kind: 'risk', rows: [] } };
  }
}

/** Large bodies that depend only on their size, built once (building them was most of the fuzz's own CPU). */
const built = new Map<string, string>();
function once(key: string, make: () => string): string {
  let b = built.get(key);
  if (b === undefined) built.set(key, (b = make()));
  return b;
}

function deepJson(rand: Rand): string {
  const n = rand.pick([100, 5_000, 50_000]);
  return rand.chance(0.5) ? once(`[${n}`, () => '['.repeat(n) + ']'.repeat(n)) : once(`{${n}`, () => '{"a":'.repeat(n) + '1' + '}'.repeat(n));
}

function hostileValue(rand: Rand): unknown {
  const k = rand.int(24);
  switch (k) {
    case 0: return String(rand.range(-5, 5));
    case 1: return '';
    case 2: return -1;
    case 3: return 0;
    case 4: return 1e308;
    case 5: return new Raw('1e999');
    case 6: return new Raw('-1e999');
    case 7: return new Raw('-0');
    case 8: return null;
    case 9: return true;
    case 10: return [];
    case 11: return {};
    case 12: return 'x'.repeat(rand.pick([65, 1000, 100_000]));
    case 13: return '\u0000';
    case 14: return new Raw('"\\ud800"');
    case 15: return new Raw('123456789012345678901234567890');
    case 16: return { polluted: true, nested: { deeper: [1, '2', null] } };
    case 17: return new Raw('{"__proto__":{"isAdmin":true}}');
    case 18: return new Raw(deepJson(rand));
    case 19: return 1.5;
    case 20: return 'NaN';
    case 21: return new Raw('"\\u0000\\uffff"');
    case 22: return ['buy'];
    default: return 'Infinity';
  }
}

/** A valid body with one thing wrong: a field replaced, removed or added, or a poisoned key. */
function mutatedBody(rand: Rand, ctx: HttpFuzzContext, pattern: string): string {
  const body: Record<string, unknown> = validBody(rand, ctx, pattern);
  const keys = Object.keys(body);
  const k = rand.int(10);
  if (k < 5 && keys.length > 0) body[rand.pick(keys)] = hostileValue(rand);
  else if (k < 6 && keys.length > 0) delete body[rand.pick(keys)];
  else if (k < 7) return toJsonText(body).replace(/^\{/, '{"__proto__":{"roles":["admin"]},');
  else if (k < 8) return toJsonText(body).replace(/^\{/, `{"constructor":{"prototype":{"x":1}},`);
  else if (k < 9) body[rand.pick(['limitprice', 'extra', '', '\u0000', 'toString', 'hasOwnProperty'])] = 1;
  else if (Array.isArray(body.positions)) {
    const n = rand.pick([10_001, 2000]);
    body.positions = new Raw(once(`positions ${n}`, () => JSON.stringify(Array.from({ length: n }, (_, i) => ({ instrument: 'AAA', qty: i })))));
  }
  else body.limits = hostileValue(rand);
  return toJsonText(body);
}

function hostileBody(rand: Rand, ctx: HttpFuzzContext, pattern: string): Buffer {
  const k = rand.int(30);
  if (k < 12) return Buffer.from(toJsonText(validBody(rand, ctx, pattern)));
  if (k < 20) return Buffer.from(mutatedBody(rand, ctx, pattern));
  if (k < 22) return Buffer.from(deepJson(rand));
  if (k < 23) {
    const n = rand.pick([1000, 50_000]);
    return Buffer.from(once(`array ${n}`, () => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`));
  }
  if (k < 24) return rand.bytes(rand.range(1, 300));
  if (k < 25) return Buffer.concat([Buffer.from('{"portfolioId":"'), Buffer.from([0xff, 0xc0, 0x80]), Buffer.from('","cash":1}')]);
  if (k < 26) return Buffer.from('\ufeff{}');
  return Buffer.from(rand.pick(['', '{', 'null', 'nul', '{"a":1}{"b":2}', '[]', '"str"', '1', 'true', '{"a":NaN}', "{'a':1}", '{"a":1,}']));
}

const CONTENT_TYPES: readonly (string | Buffer | null)[] = [
  ...Array<string>(14).fill('application/json'), 'application/json; charset=utf-8', 'APPLICATION/JSON', null, 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json\0', 'application/jsonx', 'json', '',
  'application/json;' + 'a'.repeat(5000), Buffer.from([0xff, 0xfe]), 'application/json, text/plain',
];

// ---- assembling a request ----

interface Parts {
  method: string;
  path: Buffer;
  version?: string;
  headers: (Buffer | string)[];
  body?: Buffer;
  /** How the body is framed: a correct Content-Length, or a way to get it wrong. */
  framing?: 'length' | 'truncated' | 'extra' | 'chunked' | 'none' | 'bad-length';
}

function assemble(rand: Rand, p: Parts): { bytes: Buffer; alone: boolean } {
  const lines: Buffer[] = [Buffer.concat([Buffer.from(`${p.method} `), p.path, Buffer.from(` ${p.version ?? 'HTTP/1.1'}`)]), Buffer.from('Host: 127.0.0.1')];
  for (const h of p.headers) lines.push(typeof h === 'string' ? Buffer.from(h) : h);
  let body = p.body ?? Buffer.alloc(0);
  const framing = p.body === undefined ? 'length' : (p.framing ?? 'length');
  let alone = false;
  switch (framing) {
    case 'length':
      if (p.body !== undefined) lines.push(Buffer.from(`Content-Length: ${body.length}`));
      break;
    case 'truncated':
      lines.push(Buffer.from(`Content-Length: ${body.length + rand.range(1, 5000)}`));
      alone = true;
      break;
    case 'extra':
      lines.push(Buffer.from(`Content-Length: ${Math.max(0, body.length - rand.range(1, 10))}`));
      alone = true;
      break;
    case 'chunked': {
      lines.push(Buffer.from('Transfer-Encoding: chunked'));
      body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
      alone = true;
      break;
    }
    case 'none':
      alone = body.length > 0;
      break;
    case 'bad-length':
      lines.push(Buffer.from(`Content-Length: ${rand.pick(['abc', '-1', '99999999999999999999', '1e3', '0x10', ' 5', '5, 5', ''])}`));
      alone = true;
      break;
  }
  const head: Buffer[] = [];
  lines.forEach((l) => head.push(l, Buffer.from('\r\n')));
  return { bytes: Buffer.concat([...head, Buffer.from('\r\n'), body]), alone };
}

const WS_UPGRADE = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];

/** The request the generator makes most: a known path, a method (right or wrong), a token, maybe a body. */
function routeRequest(rand: Rand, ctx: HttpFuzzContext, paths: readonly KnownPath[]): HostileRequest {
  const p = rand.pick(paths);
  const junk = rand.chance(0.03);
  const method = junk ? rand.pick(JUNK_METHODS) : rand.chance(0.6) && p.methods.length > 0 ? rand.pick(p.methods) : rand.pick(STANDARD_METHODS);
  const t = target(rand, ctx, p);
  const tok = tokenHeader(rand, ctx);
  const headers: (Buffer | string)[] = [];
  if (tok.header) headers.push(Buffer.concat([Buffer.from('Authorization: '), tok.header]));
  if (p.pattern === '/ws' && rand.chance(0.3)) headers.push(...WS_UPGRADE);
  let body: Buffer | undefined;
  let framing: Parts['framing'] = 'length';
  let jsonType = false;
  const wantsBody = p.hasBody && method === 'POST' ? rand.chance(0.9) : rand.chance(0.1);
  if (wantsBody) {
    const ct = rand.pick(CONTENT_TYPES);
    if (ct !== null) headers.push(Buffer.concat([Buffer.from('Content-Type: '), typeof ct === 'string' ? Buffer.from(ct) : ct]));
    jsonType = typeof ct === 'string' && ct.toLowerCase().startsWith('application/json') && !ct.includes('\0') && !ct.startsWith('application/jsonx');
    body = rand.chance(0.003) ? Buffer.alloc(ctx.maxBodyBytes + rand.range(1, 100_000), 0x20) : hostileBody(rand, ctx, p.pattern);
    framing = rand.chance(0.85) ? 'length' : rand.pick(['truncated', 'extra', 'chunked', 'none', 'bad-length'] as const);
  }
  const upgrade = headers.includes(WS_UPGRADE[0] as string);
  const { bytes, alone } = assemble(rand, { method, path: t.path, headers, ...(body !== undefined ? { body, framing } : {}) });
  const known = STANDARD_METHODS.includes(method);
  const wrongMethod = known && p.methods.length > 0 && !p.methods.includes(method) && method !== 'HEAD' && method !== 'OPTIONS';
  const what = `${method.slice(0, 20)} ${t.path.toString('latin1').slice(0, 80)}${tok.valid ? ' (token)' : tok.header ? ' (bad token)' : ''}${body ? ` body ${body.length} B ${framing}` : ''}`;
  const options = method === 'OPTIONS' && p.methods.length > 0 && p.pattern !== '/ws';
  const check = wrongMethod && t.plain && !alone
    ? (status: number, h: ReadonlyMap<string, string>) => (status === 405 && h.has('allow') ? null : `a wrong method on a known route gets 405 with Allow: ${method} ${p.pattern} got ${status}${h.has('allow') ? '' : ' without Allow'}`)
    : options && t.plain && !alone
      ? (status: number, h: ReadonlyMap<string, string>) => (status === 204 && h.has('allow') ? null : `OPTIONS on a known route gets 204 with Allow: ${p.pattern} got ${status}${h.has('allow') ? '' : ' without Allow'}`)
      : undefined;
  // An upgrade's 101 hands the connection to the websocket; HEAD answers have no body: both alone.
  const endsConnection = p.hasBody && p.methods.includes(method) && (!tok.valid || !jsonType || (body?.length ?? 0) > ctx.maxBodyBytes);
  return { bytes, what, method, alone: alone || upgrade || method === 'HEAD' || junk || t.raw, endsConnection, ...(check ? { check } : {}) };
}

/** A well-formed request a client with rights would send, so the handlers and the engine behind them run too. */
function validRequest(rand: Rand, ctx: HttpFuzzContext, paths: readonly KnownPath[]): HostileRequest {
  const p = rand.pick(paths.filter((x) => x.pattern !== '/ws'));
  const method = rand.pick(p.methods);
  const path = p.pattern.replace(/:[a-z]+/g, () => (rand.chance(0.5) ? 'P1' : `P1-o${rand.int(20)}`));
  const token = p.pattern === '/trades' || p.pattern.startsWith('/trades/') ? rand.pick([ctx.tokens.admin, ctx.tokens.trader])
    : p.pattern.startsWith('/kyc') ? rand.pick([ctx.tokens.compliance, ctx.tokens.trader])
      : p.pattern.startsWith('/compliance') ? rand.pick([ctx.tokens.compliance, ctx.tokens.compliance, ctx.tokens.riskManager, ctx.tokens.admin]) : ctx.tokens.admin;
  const headers: string[] = [`Authorization: Bearer ${token}`];
  let body: Buffer | undefined;
  if (p.hasBody && method === 'POST') {
    headers.push('Content-Type: application/json');
    body = Buffer.from(toJsonText(validBody(rand, ctx, p.pattern)));
  }
  const { bytes } = assemble(rand, { method, path: Buffer.from(path), headers, ...(body ? { body } : {}) });
  return { bytes, what: `${method} ${path} (valid)`, method, alone: false };
}

/** Header-level abuse on a known route with a valid token. */
function headerRequest(rand: Rand, ctx: HttpFuzzContext, paths: readonly KnownPath[]): HostileRequest {
  const p = rand.pick(paths.filter((x) => !x.hasBody));
  const t = target(rand, ctx, p);
  const headers: (Buffer | string)[] = [`Authorization: Bearer ${ctx.tokens.admin}`];
  const k = rand.int(7);
  let what: string;
  switch (k) {
    case 0: {
      const n = rand.pick([4_000, 16_000, 70_000, 200_000]);
      headers.push(`X-Long: ${'a'.repeat(n)}`);
      what = `header of ${n} B`;
      break;
    }
    case 1: {
      const n = rand.pick([50, 100, 200, 1000]);
      for (let i = 0; i < n; i++) headers.push(`X-H${i}: v${i}`);
      what = `${n} headers`;
      break;
    }
    case 2:
      headers.push(Buffer.concat([Buffer.from('X-Bytes: '), rand.bytes(rand.range(1, 50)).filter((b) => b !== 0x0d && b !== 0x0a)]));
      what = 'header with raw bytes';
      break;
    case 3:
      headers.push('X-No-Colon');
      what = 'header without a colon';
      break;
    case 4:
      headers.push('X-Fold: a', ' continued');
      what = 'obsolete folded header';
      break;
    case 5:
      headers.push(Buffer.from('X-Nul: a\0b'));
      what = 'NUL in a header';
      break;
    default:
      headers.push(`${'N'.repeat(rand.pick([300, 9000]))}: v`);
      what = 'long header name';
  }
  const { bytes } = assemble(rand, { method: rand.pick(p.methods), path: t.path, headers });
  // uWS closes on a header it will not take, or waits for more: alone, the client's FIN ends the wait.
  return { bytes, what: `${what} on ${p.pattern}`, method: 'GET', alone: true };
}

/** Not HTTP, or an HTTP uWS does not take: always alone. */
function garbageRequest(rand: Rand): HostileRequest {
  const k = rand.int(10);
  const choices: [string, Buffer][] = [
    ['random bytes', rand.bytes(rand.range(1, 2000))],
    ['request line only', Buffer.from('GET /health HTTP/1.1\r\n')],
    ['HTTP/1.0', Buffer.from('GET /health HTTP/1.0\r\n\r\n')],
    ['no Host', Buffer.from('GET /health HTTP/1.1\r\n\r\n')],
    ['HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['absolute URI', Buffer.from('GET http://127.0.0.1/health HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['bare LF', Buffer.from('GET /health HTTP/1.1\nHost: x\n\n')],
    ['space in path', Buffer.from('GET /por tfolios/x HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['version junk', Buffer.from(`GET /health HTTP/${rand.pick(['9.9', '1.1x', '', '1'])}\r\nHost: x\r\n\r\n`)],
    ['empty line', Buffer.from('\r\n\r\n')],
  ];
  const [what, bytes] = choices[k] as [string, Buffer];
  return { bytes, what, method: '?', alone: true };
}

/**
 * An endless stream of hostile requests. Each route and method appears thousands of times in 10,000
 * requests; the mix favours requests that reach the handlers (a valid token most of the time).
 */
export function* hostileRequests(rand: Rand, ctx: HttpFuzzContext): Generator<HostileRequest> {
  const paths = knownPaths();
  const unknown: KnownPath = { pattern: '/nope/:x', methods: [], hasBody: false };
  for (;;) {
    const k = rand.int(40);
    if (k < 4) yield validRequest(rand, ctx, paths);
    else if (k < 32) yield routeRequest(rand, ctx, paths);
    else if (k < 34) yield routeRequest(rand, ctx, [unknown]);
    else if (k < 38) yield headerRequest(rand, ctx, paths);
    else yield garbageRequest(rand);
  }
}
