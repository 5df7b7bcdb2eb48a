/**
 * POST /compliance/sanctions-check over real HTTP against the real SDN list: a listed name comes
 * back with its decision, the list version and explained matches; a bad body is a 400 naming the
 * field; a role without the `screen` action is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { complianceRoutes } from '../../src/gateway/compliance-routes.js';
import type { SecurityEvent } from '../../src/gateway/identity/ports.js';
import { SanctionsScreener } from '../../src/persistence/sanctions-list.js';
import { type Stack, httpJson, startStack } from './harness.js';

let stack: Stack;
let screener: SanctionsScreener;
let officer: string;
const audited: SecurityEvent[] = [];

beforeAll(async () => {
  screener = await SanctionsScreener.open(new URL('../../data/ofac/', import.meta.url).pathname);
  stack = await startStack({ routes: complianceRoutes(screener, async (e) => { audited.push(e); }) });
  officer = await stack.token('carl', ['compliance_officer'], []);
});
afterAll(() => stack?.close());

const check = (body: unknown, token = officer) => httpJson(stack, 'POST', '/compliance/sanctions-check', { token, body });

describe('POST /compliance/sanctions-check', () => {
  it('answers a listed name with its decision, the list version in force and explained matches', async () => {
    const r = await check({ name: 'Osama bin Laden', dateOfBirth: '1957-07-30', type: 'individual' });
    expect(r.status).toBe(200);
    expect(r.body.listVersion).toBe(screener.version.sha256);
    expect(r.body.listVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body.decision).toBe('block');
    const m = r.body.matches[0];
    expect(m).toMatchObject({ entNum: 6365, name: 'BIN LADIN, Usama bin Muhammad bin Awad', matchedName: 'BIN LADEN, Osama', programs: ['SDGT'], type: 'individual' });
    expect(m.score).toBeGreaterThanOrEqual(0.97);
    expect(m.explanation.tokens.map((t: { query: string }) => t.query).sort()).toEqual(['BIN', 'LADEN', 'OSAMA']);
    expect(m.explanation.evidence).toContainEqual(expect.objectContaining({ feature: 'dateOfBirth', verdict: 'supports' }));
  });

  it('clears an ordinary name', async () => {
    const r = await check({ name: 'Jennifer Miller', country: 'United States' });
    expect(r.body).toEqual({ listVersion: screener.version.sha256, decision: 'clear', matches: [] });
  });

  it('refuses a body that is not a screening query with 400 naming the field', async () => {
    for (const [body, field] of [[{ name: '' }, 'name'], [{ name: 'x', dateOfBirth: '1957-02-30' }, 'dateOfBirth'], [{ name: 'x', type: 'vessel' }, 'type'], [{ name: 'x', extra: 1 }, ''], [{ name: 'x'.repeat(301) }, 'name'], [{ name: '习近平' }, 'script'], [{ name: ' - ' }, 'name']] as const) {
      const r = await check(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('INVALID_MESSAGE');
      expect(r.body.message).toContain(field);
    }
  });

  it('tells the list version in force, and reloads the list without a restart (admin)', async () => {
    const v = await httpJson(stack, 'GET', '/compliance/sanctions-list', { token: officer });
    expect(v.status).toBe(200);
    expect(v.body.version).toMatchObject({ sha256: screener.version.sha256, entries: 8976, aliases: 11910 });
    const admin = await stack.token('ada', ['admin'], ['*']);
    const r = await httpJson(stack, 'POST', '/compliance/sanctions-list/reload', { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.previous.sha256).toBe(v.body.version.sha256);
    expect(r.body.version.sha256).toBe(v.body.version.sha256); // same files, same version
    expect((await httpJson(stack, 'POST', '/compliance/sanctions-list/reload', { token: officer })).status).toBe(403);
  });

  it('records who reloaded the list, with the versions before and after, in the audit trail (a refused reload records nothing)', async () => {
    audited.length = 0;
    const admin = await stack.token('ada', ['admin'], ['*']);
    expect((await httpJson(stack, 'POST', '/compliance/sanctions-list/reload', { token: admin })).status).toBe(200);
    expect((await httpJson(stack, 'POST', '/compliance/sanctions-list/reload', { token: officer })).status).toBe(403);
    expect(audited).toEqual([{
      actor: 'ada', action: 'sanctions_list.reloaded', entityType: 'sanctions_list', entityId: 'sdn',
      before: expect.objectContaining({ sha256: screener.version.sha256, entries: 8976 }), after: expect.objectContaining({ sha256: screener.version.sha256, entries: 8976 }),
    }]);
  });

  it('is open to compliance officers and risk managers only', async () => {
    expect((await check({ name: 'x' }, await stack.token('rita', ['risk_manager'], []))).status).toBe(200);
    expect((await check({ name: 'x' }, await stack.token('tom', ['trader'], ['P1']))).status).toBe(403);
    expect((await check({ name: 'x' }, await stack.token('ada', ['admin'], ['*']))).status).toBe(403);
  });
});
