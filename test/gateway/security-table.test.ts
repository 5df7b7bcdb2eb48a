/**
 * docs/SECURITY.md's table of every route and message, proven cell by cell over real HTTP and
 * websockets against a started stack: each role listed gets through the authorisation (any answer but
 * 403 / FORBIDDEN), every other role is refused, a listed role whose grants are on another portfolio
 * is refused where the portfolio must be covered, and a trader is refused on another trader's order.
 * A row without a probe below fails, and so does a registered route or message type without a row.
 */
import { Registry } from 'prom-client';
import { RealtimeMetrics } from '../../src/metrics/realtime-metrics.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadDashboardSite } from '../../src/gateway/dashboard-site.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { authPublicRoutes, authRoutes } from '../../src/gateway/auth-routes.js';
import { complianceRoutes } from '../../src/gateway/compliance-routes.js';
import { kycRoutes } from '../../src/gateway/kyc-routes.js';
import { gdprRoutes } from '../../src/gateway/gdpr-routes.js';
import { openGdpr } from '../../src/persistence/gdpr-open.js';
import { KycService } from '../../src/persistence/kyc-service.js';
import { KycStore } from '../../src/persistence/kyc-store.js';
import { MemoryKycRows } from '../../src/persistence/kyc-rows-memory.js';
import { amlAlertRoutes } from '../../src/gateway/aml-alert-routes.js';
import { reportRoutes } from '../../src/gateway/report-routes.js';
import { clusterRoutes } from '../../src/gateway/cluster-routes.js';
import { singleOwner } from '../../src/persistence/cluster/single-owner.js';
import { REPORT_DEFINITIONS } from '../../src/workers/reports/definitions/index.js';
import { SanctionsScreener } from '../../src/persistence/sanctions-list.js';
import { AccountService } from '../../src/gateway/identity/account-service.js';
import { ROLES, type Role } from '../../src/gateway/identity/ports.js';
import { MemoryIdentityStore } from '../../src/persistence/identity-store-memory.js';
import { masterKeyId } from '../../src/persistence/master-keys.js';
import { memoryDataKeys } from '../../src/persistence/memory-data-keys.js';
import { MemorySessionStore } from '../../src/persistence/session-store-memory.js';
import { CLIENT_MSG_TYPES } from '../../src/gateway/protocol.js';
import { Client, type Msg, type Stack, httpJson, startStack } from './harness.js';

interface Row {
  readonly key: string;
  readonly roles: 'anyone' | 'authenticated' | readonly Role[];
  /** "… with MFA": the listed roles get through only with a token of a login that proved MFA. */
  readonly mfa: boolean;
  readonly covered: boolean;
  readonly ownOnly: boolean;
  /** "customer: own case": every signed-in user gets through for their own user id. */
  readonly ownCase: boolean;
}

function readTable(): Row[] {
  const doc = readFileSync(new URL('../../docs/SECURITY.md', import.meta.url), 'utf8');
  const table = /<!-- security-table:start -->([\s\S]*?)<!-- security-table:end -->/.exec(doc)?.[1];
  if (table === undefined) throw new Error('docs/SECURITY.md: no security table between its markers');
  const rows = table.trim().split('\n').slice(2);
  return rows.map((line) => {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const [kind, what, roles, portfolio, own] = cells as [string, string, string, string, string];
    const key = `${kind} ${what.replace(/`/g, '')}`;
    const mfa = roles.endsWith(' with MFA');
    const listed = mfa ? roles.slice(0, -' with MFA'.length) : roles;
    const parsed: Row['roles'] = listed === 'anyone (no token)' ? 'anyone' : listed === 'any authenticated' ? 'authenticated' : listed.split(',').map((r) => r.trim() as Role);
    if (Array.isArray(parsed)) for (const r of parsed) if (!(ROLES as readonly string[]).includes(r)) throw new Error(`docs/SECURITY.md: unknown role "${r}" in row ${key}`);
    return { key, roles: parsed, mfa, covered: portfolio === 'covered', ownOnly: own === 'trader: own only', ownCase: own === 'customer: own case' };
  });
}

const ROWS = readTable();
let stack: Stack;
let tomToken: string;
let accounts: AccountService;
let screener: SanctionsScreener;
let kyc: KycService;
let n = 0;
const uid = (p: string) => `${p}-${++n}`;

/** A resting limit order of trader "tom" in `portfolioId`: its id. */
async function tomsOrder(portfolioId: string): Promise<string> {
  const r = await httpJson(stack, 'POST', '/trades', {
    token: tomToken, body: { portfolioId, clientOrderId: uid('rest'), instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 },
  });
  if (r.status !== 201) throw new Error(`placing tom's order: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.order.orderId as string;
}

/** Through a websocket authenticated with `token` (none: unauthenticated), the reply to `msg`. */
async function ws(token: string | undefined, msg: Msg): Promise<Msg> {
  const c = token === undefined ? await Client.connect(stack.url) : await Client.login(stack.url, token);
  try {
    return await c.request(msg);
  } finally {
    await c.close();
  }
}

/** What came back: refused by the authorisation (403 / FORBIDDEN), without a credential (401 / UNAUTHENTICATED), or anything else. */
type Outcome = { readonly verdict: 'forbidden' | 'unauthenticated' | 'through'; readonly detail: string };
/**
 * The refusals of the door itself: 403 FORBIDDEN (role or portfolio) or MFA_REQUIRED (a privileged
 * action without MFA), and 401 UNAUTHENTICATED (no or a bad credential). A handler's own answers
 * (LOGIN_FAILED to a wrong password, NOT_AN_ACCOUNT to a development token at /auth/me) went through.
 */
const http = (r: { status: number; body: any }): Outcome => ({
  verdict: r.status === 403 && (r.body?.code === 'FORBIDDEN' || r.body?.code === 'MFA_REQUIRED') ? 'forbidden'
    : r.status === 401 && r.body?.code === 'UNAUTHENTICATED' ? 'unauthenticated' : 'through',
  detail: `${r.status} ${JSON.stringify(r.body)?.slice(0, 160)}`,
});
const frame = (m: Msg): Outcome => ({
  verdict: m.type === 'error' && m.code === 'FORBIDDEN' ? 'forbidden' : m.type === 'error' && m.code === 'UNAUTHENTICATED' ? 'unauthenticated' : 'through', detail: JSON.stringify(m).slice(0, 160),
});
/** The dashboard as `npm run build` left it (the suite builds before it runs). */
const DASHBOARD_DIR = join(import.meta.dirname, '..', '..', 'dist', 'dashboard');
const dashboardAsset = (): string => readdirSync(join(DASHBOARD_DIR, 'assets')).find((f) => f.endsWith('.js')) ?? 'none-built.js';

const get = async (token: string | undefined, path: string) => http(await httpJson(stack, 'GET', path, token === undefined ? {} : { token }));
const post = async (token: string | undefined, path: string, body: unknown) => http(await httpJson(stack, 'POST', path, { ...(token === undefined ? {} : { token }), body }));

/**
 * How to exercise each row: the token (absent for "anyone"), the portfolio concerned, and the user
 * whose data is asked for (a "customer: own case" row: the token's own subject; otherwise someone else).
 */
const PROBES: Readonly<Record<string, (token: string | undefined, portfolioId: string, userId?: string) => Promise<Outcome>>> = {
  'REST GET /livez': (t) => get(t, '/livez'),
  'REST GET /readyz': (t) => get(t, '/readyz'),
  'REST GET /.well-known/jwks.json': (t) => get(t, '/.well-known/jwks.json'),
  'REST GET /openapi.json': (t) => get(t, '/openapi.json'),
  'REST GET /asyncapi.json': (t) => get(t, '/asyncapi.json'),
  'REST GET /docs': (t) => get(t, '/docs'),
  'REST GET /docs/init.js': (t) => get(t, '/docs/init.js'),
  'REST GET /docs/swagger-ui-bundle.js': (t) => get(t, '/docs/swagger-ui-bundle.js'),
  'REST GET /docs/swagger-ui.css': (t) => get(t, '/docs/swagger-ui.css'),
  'REST GET /docs/favicon-32x32.png': (t) => get(t, '/docs/favicon-32x32.png'),
  'REST GET /health': (t) => get(t, '/health'),
  'REST GET /cluster': (t) => get(t, '/cluster'),
  'REST GET /metrics': (t) => get(t, '/metrics'),
  'REST GET /dashboard': (t) => get(t, '/dashboard'),
  'REST GET /dashboard/': (t) => get(t, '/dashboard/'),
  'REST GET /dashboard/assets/:name': (t) => get(t, `/dashboard/assets/${dashboardAsset()}`),
  'REST POST /portfolios': (t, p) => post(t, '/portfolios', { portfolioId: p, cash: 1_000_000 }),
  'REST GET /portfolios/:id': (t, p) => get(t, `/portfolios/${p}`),
  'REST GET /risk/positions': (t, p) => get(t, `/risk/positions?portfolioId=${p}`),
  'REST GET /risk/portfolio': (t, p) => get(t, `/risk/portfolio?portfolioId=${p}`),
  'REST POST /risk/limits': (t, p) => post(t, '/risk/limits', { portfolioId: p, limits: { maxOrderQty: 1_000_000 } }),
  'REST POST /trades': (t, p) => post(t, '/trades', { portfolioId: p, clientOrderId: uid('t'), instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 }),
  'REST GET /trades': (t, p) => get(t, `/trades?portfolioId=${p}`),
  'REST GET /trades/:id': async (t, p) => get(t, `/trades/${await tomsOrder(p)}`),
  'REST DELETE /trades/:id': async (t, p) => http(await httpJson(stack, 'DELETE', `/trades/${await tomsOrder(p)}`, t === undefined ? {} : { token: t })),
  'REST GET /admin/dead-letters': (t) => get(t, '/admin/dead-letters'),
  'REST POST /admin/dead-letters/:id/replay': (t) => post(t, '/admin/dead-letters/dl-1/replay', {}),
  'REST POST /auth/register': (t) => post(t, '/auth/register', { email: `${uid('reg')}@example.com`, password: 'correct horse battery staple', displayName: 'Reg' }),
  'REST POST /auth/login': (t) => post(t, '/auth/login', { email: 'nobody@example.com', password: 'correct horse battery staple' }),
  'REST POST /auth/refresh': (t) => post(t, '/auth/refresh', { refreshToken: 'no-such-session.secret' }),
  'REST POST /auth/mfa/verify': (t) => post(t, '/auth/mfa/verify', { mfaToken: 'x.y.z', code: '123456' }),
  'REST GET /auth/me': (t) => get(t, '/auth/me'),
  'REST POST /auth/mfa/setup': (t) => post(t, '/auth/mfa/setup', undefined),
  'REST POST /auth/mfa/enable': (t) => post(t, '/auth/mfa/enable', { code: '123456' }),
  'REST POST /auth/logout': (t) => post(t, '/auth/logout', undefined),
  'REST POST /auth/api-keys': (t) => post(t, '/auth/api-keys', { name: 'bot', roles: ['trader'], portfolios: [] }),
  'REST GET /auth/api-keys': (t) => get(t, '/auth/api-keys'),
  'REST DELETE /auth/api-keys/:id': async (t) => http(await httpJson(stack, 'DELETE', '/auth/api-keys/ak_none', t === undefined ? {} : { token: t })),
  'REST POST /admin/users/:id/roles': (t) => post(t, '/admin/users/u-none/roles', { roles: ['trader'] }),
  'REST POST /admin/users/:id/portfolios': (t) => post(t, '/admin/users/u-none/portfolios', { role: 'trader', portfolios: ['P1'] }),
  'REST POST /admin/users/:id/revoke-sessions': (t) => post(t, '/admin/users/u-none/revoke-sessions', undefined),
  'REST GET /market/held': (t) => get(t, '/market/held'),
  'REST POST /market/band': (t) => post(t, '/market/band', { symbol: 'BBB', maxJump: 0.5 }),
  'REST POST /compliance/sanctions-check': (t) => post(t, '/compliance/sanctions-check', { name: 'Usama bin Ladin' }),
  'REST GET /compliance/sanctions-list': (t) => get(t, '/compliance/sanctions-list'),
  'REST POST /compliance/sanctions-list/reload': (t) => post(t, '/compliance/sanctions-list/reload', undefined),
  'REST POST /kyc/submit': (t) => post(t, '/kyc/submit', {}),
  'REST POST /kyc/documents': (t) => post(t, '/kyc/documents', { documentType: 'passport', contentType: 'image/png', dataBase64: 'iVBORw0KGgo=' }),
  'REST GET /kyc/me': (t) => get(t, '/kyc/me'),
  'REST GET /kyc/:userId': (t, _p, u = 'someone-else') => get(t, `/kyc/${u}`),
  'REST GET /kyc': (t) => get(t, '/kyc?state=submitted'),
  'REST POST /kyc/:userId/decision': (t) => post(t, '/kyc/someone-else/decision', { action: 'start_review', reason: 'probe' }),
  'REST GET /kyc/:userId/documents/:documentId': (t) => get(t, '/kyc/someone-else/documents/no-such'),
  // Without a database the alert routes answer 503 AML_UNAVAILABLE once the caller is let through.
  // The report routes without a database answer 503 REPORTS_UNAVAILABLE once the caller is let
  // through; the request is a risk report of the probed portfolio (the officer-only types are
  // test/reports/report-routes-pg.test.ts's).
  'REST POST /compliance/report': (t, p) => post(t, '/compliance/report', { type: 'daily-risk', date: '2020-01-02', portfolioId: p }),
  'REST GET /compliance/report': (t) => get(t, '/compliance/report'),
  'REST GET /compliance/reports/:id': (t) => get(t, '/compliance/reports/00000000-0000-4000-8000-000000000000'),
  'REST GET /compliance/reports/:id/content': (t) => get(t, '/compliance/reports/00000000-0000-4000-8000-000000000000/content'),
  'REST GET /gdpr/export': (t) => get(t, '/gdpr/export'),
  'REST POST /gdpr/export': (t) => post(t, '/gdpr/export', { userId: 'someone-else' }),
  'REST POST /gdpr/erasure': (t) => post(t, '/gdpr/erasure', { userId: 'someone-else', reason: 'probe' }),
  'REST GET /gdpr/consents': (t) => get(t, '/gdpr/consents'),
  'REST POST /gdpr/consents': (t) => post(t, '/gdpr/consents', { purpose: 'marketing_email', textVersion: 'v1', granted: false }),
  'REST GET /compliance/alerts': (t) => get(t, '/compliance/alerts'),
  'REST GET /compliance/alerts/:id': (t) => get(t, '/compliance/alerts/1'),
  'REST POST /compliance/alerts/:id/transition': (t) => post(t, '/compliance/alerts/1/transition', { to: 'investigating', reason: 'probe' }),
  'REST POST /compliance/alerts/:id/notes': (t) => post(t, '/compliance/alerts/1/notes', { text: 'probe' }),
  'REST POST /compliance/alerts/:id/assign': (t) => post(t, '/compliance/alerts/1/assign', { assignee: 'olga' }),
  'REST GET /compliance/risk-metrics': (t) => get(t, '/compliance/risk-metrics'),
  'WS subscribe alerts': async (t) => frame(await ws(t, { type: 'subscribe', channel: 'alerts' })),
  'WS auth': async () => frame(await ws(undefined, { type: 'auth', token: await stack.token('carl', ['compliance_officer'], ['P1']) })),
  'WS subscribe market': async (t) => frame(await ws(t, { type: 'subscribe', channel: 'market' })),
  'WS subscribe risk': async (t, p) => frame(await ws(t, { type: 'subscribe', channel: 'risk', portfolioId: p })),
  'WS subscribe orders': async (t, p) => frame(await ws(t, { type: 'subscribe', channel: 'orders', portfolioId: p })),
  'WS unsubscribe': async (t, p) => frame(await ws(t, { type: 'unsubscribe', channel: 'risk', portfolioId: p })),
  'WS tick': async (t) => frame(await ws(t, { type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() })),
  'WS order': async (t, p) => frame(await ws(t, { type: 'order', portfolioId: p, clientOrderId: uid('w'), instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 })),
  'WS cancel': async (t, p) => frame(await ws(t, { type: 'cancel', portfolioId: p, orderId: await tomsOrder(p) })),
  'WS replace': async (t, p) => frame(await ws(t, { type: 'replace', portfolioId: p, orderId: await tomsOrder(p), limitPrice: 96 })),
};

/** The subject each role's token is for: the trader is tom, who placed the probes' orders. */
const subOf = (role: Role) => (role === 'trader' ? 'tom' : `${role}-1`);

/** A token granting `role` on `portfolios`, of a login that proved MFA when `mfa`. */
async function tokenOf(role: Role, portfolios: string[], mfa: boolean): Promise<string> {
  if (!mfa) return stack.token(subOf(role), [role], portfolios);
  return stack.tokens.issueAccess({ sub: subOf(role), grants: [{ role, portfolios }], amr: ['pwd', 'otp'] }, 600, Date.now());
}

beforeAll(async () => {
  // The accounts as main.ts wires them (memory stores), signing with the keys the gateway trusts.
  const master = randomBytes(32);
  const sessions = new MemorySessionStore();
  screener = await SanctionsScreener.open(new URL('../../data/ofac/', import.meta.url).pathname);
  const dataKeys = memoryDataKeys({ current: { id: masterKeyId(master), key: master }, previous: [] });
  const kycStore = new KycStore(new MemoryKycRows(), dataKeys);
  kyc = new KycService({ store: kycStore, audit: async () => {} });
  const identity = new MemoryIdentityStore();
  const gdpr = await openGdpr({ identity, sessions, dataKeys, kyc: kycStore, audit: async () => {} });
  stack = await startStack((tokens) => {
    accounts = new AccountService({ identity, sessions, tokens, audit: async () => {}, dataKeys });
    return { dashboard: loadDashboardSite(DASHBOARD_DIR, { secureWebsocket: false }), metrics: { registry: new Registry(), realtime: new RealtimeMetrics() }, publicRoutes: authPublicRoutes(accounts), routes: [...authRoutes(accounts), ...complianceRoutes(screener), ...kycRoutes(kyc), ...gdprRoutes(gdpr.service, gdpr.consents), ...amlAlertRoutes({ audit: async () => {} }),
      ...reportRoutes({ definitions: REPORT_DEFINITIONS, enabled: { rts22: true, privilegedChanges: true }, audit: async () => {} }), ...clusterRoutes(() => singleOwner('e1', 256))], apiKeys: accounts, revocations: sessions };
  });
  tomToken = await stack.token('tom', ['trader'], ['P1', 'P2']);
  const admin = await stack.token('ada', ['admin'], ['*']);
  for (const p of ['P1', 'P2']) expect((await httpJson(stack, 'POST', '/portfolios', { token: admin, body: { portfolioId: p, cash: 10_000_000 } })).status).toBe(201);
  const feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
  await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() });
  await feed.close();
});

afterAll(() => stack?.close());

describe('docs/SECURITY.md lists every route and message', () => {
  it('has a row for each registered REST route and each websocket message type, and a probe for each row', () => {
    const keys = new Set(ROWS.map((r) => r.key));
    // What the gateway registered (GET /ws is the websocket: its rows are the message types).
    const rest = stack.gateway.routes.filter((r) => r.pattern !== '/ws').map((r) => `${r.method === 'del' ? 'DELETE' : r.method.toUpperCase()} ${r.pattern}`);
    expect(rest.length).toBeGreaterThan(40);
    expect(rest.filter((r) => !keys.has(`REST ${r}`))).toEqual([]);
    expect(CLIENT_MSG_TYPES.filter((t) => !ROWS.some((r) => r.key === `WS ${t}` || r.key.startsWith(`WS ${t} `)))).toEqual([]);
    expect(ROWS.filter((r) => PROBES[r.key] === undefined).map((r) => r.key)).toEqual([]);
    expect(new Set(ROWS.map((r) => r.key)).size).toBe(ROWS.length);
  });
});

describe.each(ROWS.map((r) => [r.key, r] as const))('%s', (_key, row) => {
  const probe = (t: string | undefined, p: string, u?: string) => (PROBES[row.key] as NonNullable<(typeof PROBES)[string]>)(t, p, u);

  if (row.roles === 'anyone') {
    it('is open without a token', async () => {
      const o = await probe(undefined, 'P1');
      expect(o.verdict, o.detail).toBe('through');
    });
    return;
  }

  const allowed = row.roles === 'authenticated' ? ROLES : row.roles;
  it.each(ROLES.map((r) => [r] as const))('role %s', async (role) => {
    const o = await probe(await tokenOf(role, ['P1'], row.mfa), 'P1');
    expect(o.verdict, o.detail).toBe(allowed.includes(role) ? 'through' : 'forbidden');
  });

  if (row.mfa) {
    it.each(allowed.map((r) => [r] as const))('refuses %s without MFA', async (role) => {
      const o = await probe(await tokenOf(role, ['P1'], false), 'P1');
      expect(o.verdict, o.detail).toBe('forbidden');
    });
  }

  if (row.covered) {
    it.each(allowed.map((r) => [r] as const))('refuses %s holding another portfolio', async (role) => {
      const o = await probe(await tokenOf(role, ['P2'], row.mfa), 'P1');
      expect(o.verdict, o.detail).toBe('forbidden');
    });
  }

  if (row.ownCase) {
    it.each(ROLES.map((r) => [r] as const))('lets role %s read its own', async (role) => {
      const o = await probe(await tokenOf(role, ['P1'], row.mfa), 'P1', subOf(role));
      expect(o.verdict, o.detail).toBe('through');
    });
  }

  if (row.ownOnly) {
    it('refuses a trader on an order another trader placed', async () => {
      const o = await probe(await stack.token('ann', ['trader'], ['P1']), 'P1');
      expect(o.verdict, o.detail).toBe('forbidden');
    });
  }

  it('is refused without a credential', async () => {
    const o = await probe(undefined, 'P1');
    expect(o.verdict, o.detail).toBe('unauthenticated');
  });
});
