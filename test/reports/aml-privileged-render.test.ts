/** The AML and privileged-change reports rendered from given facts, field by field. */
import { describe, expect, it } from 'vitest';
import { type AmlAlertFacts, countsByRuleSeverity, renderAmlCsv, renderAmlJson } from '../../src/engine/reports/aml/aml-report.js';
import { isoMicros } from '../../src/engine/reports/period-bounds.js';
import { withoutPersonalFields } from '../../src/engine/reports/privileged-changes/personal-fields.js';
import { renderPrivilegedChangesCsv, renderPrivilegedChangesJson } from '../../src/engine/reports/privileged-changes/privileged-changes-report.js';

const T = Date.UTC(2026, 0, 5, 10);
const alert = (alertId: string, rule: string, severity: 'low' | 'medium' | 'high', transitions: AmlAlertFacts['transitions'] = []): AmlAlertFacts => ({
  alertId, rule, severity, createdMs: T + Number(alertId), fillId: `P1-f${alertId}`, portfolioId: 'P1', customerId: 'u1', notional: 1000,
  transitions, noteCount: 0, legacyState: null,
});

describe('AML report', () => {
  const alerts = [
    alert('1', 'LARGE_NOTIONAL', 'high', [{ atMs: T + 10, actor: 'carl', from: 'open', to: 'investigating' }, { atMs: T + 20, actor: 'carl', from: 'investigating', to: 'reported' }]),
    alert('2', 'LARGE_NOTIONAL', 'high'),
    alert('3', 'LARGE_NOTIONAL', 'low', [{ atMs: T + 10, actor: 'carl', from: 'open', to: 'investigating' }, { atMs: T + 30, actor: 'dora', from: 'investigating', to: 'closed_no_action' }]),
    alert('4', 'VELOCITY', 'medium', [{ atMs: T + 10, actor: 'carl', from: 'open', to: 'investigating' }, { atMs: T + 11, actor: 'carl', from: 'investigating', to: 'investigating' }]),
  ];

  it('counts alerts by rule and severity with their outcomes', () => {
    expect(countsByRuleSeverity(alerts)).toEqual([
      { rule: 'LARGE_NOTIONAL', severity: 'low', alerts: 1, open: 0, closedNoAction: 1, reported: 0 },
      { rule: 'LARGE_NOTIONAL', severity: 'high', alerts: 2, open: 1, closedNoAction: 0, reported: 1 },
      { rule: 'VELOCITY', severity: 'medium', alerts: 1, open: 1, closedNoAction: 0, reported: 0 },
    ]);
  });

  it('gives each alert its state, outcome and transitions, an assignment told apart from a change of state', () => {
    const r = JSON.parse(renderAmlJson({ from: '2026-01-05', to: '2026-01-05', portfolioId: null, endMs: Date.UTC(2026, 0, 6), alerts }));
    expect(r.totals).toEqual({ alerts: 4, open: 2, closedNoAction: 1, reported: 1 });
    expect(r.alerts[3]).toEqual({
      alertId: '4', rule: 'VELOCITY', severity: 'medium', createdAt: new Date(T + 4).toISOString(), customerId: 'u1', portfolioId: 'P1', fillId: 'P1-f4',
      notional: 1000, state: 'investigating', outcome: 'open', notes: 0,
      transitions: [
        { at: new Date(T + 10).toISOString(), actor: 'carl', from: 'open', to: 'investigating', kind: 'state' },
        { at: new Date(T + 11).toISOString(), actor: 'carl', from: 'investigating', to: 'investigating', kind: 'assignment' },
      ],
    });
    const csv = renderAmlCsv({ from: '2026-01-05', to: '2026-01-05', portfolioId: null, endMs: Date.UTC(2026, 0, 6), alerts }).split('\r\n');
    expect(csv[1]).toBe(`1,${new Date(T + 1).toISOString()},LARGE_NOTIONAL,high,u1,P1,P1-f1,1000,reported,reported,0,${new Date(T + 10).toISOString()} carl open>investigating | ${new Date(T + 20).toISOString()} carl investigating>reported`);
  });

  it('takes the stored state of an alert closed before case histories existed', () => {
    const legacy = { ...alert('9', 'LARGE_NOTIONAL', 'low'), legacyState: 'closed_no_action' as const };
    expect(countsByRuleSeverity([legacy])[0]).toMatchObject({ closedNoAction: 1, open: 0 });
  });
});

describe('privileged-change report', () => {
  it('drops the caller\'s IP address at any depth, keeps the rest with keys sorted', () => {
    expect(withoutPersonalFields({ grants: [{ role: 'trader', portfolios: ['P1'] }], ip: '10.0.0.1', nested: { ip: 'x', b: 1, a: 2 } }))
      .toEqual({ grants: [{ role: 'trader', portfolios: ['P1'] }], nested: { a: 2, b: 1 } });
    expect(JSON.stringify(withoutPersonalFields({ z: 1, a: 2 }))).toBe('{"a":2,"z":1}');
  });

  it('writes times in microseconds UTC', () => {
    expect(isoMicros(1_767_607_200_123_456)).toBe('2026-01-05T10:00:00.123456Z');
    expect(isoMicros(1_767_607_200_000_007)).toBe('2026-01-05T10:00:00.000007Z');
  });

  it('says which chain broke and where, in JSON and on the CSV\'s first lines', () => {
    const input = {
      from: '2026-01-05', to: '2026-01-05',
      changes: [
        { chain: -1, seq: 7, atUs: 1_767_607_100_000_000, actor: 'ada', action: 'user.roles.changed' as const, entityType: 'user', entityId: 'u1', before: [], after: [{ role: 'trader' }] },
        { chain: 17, seq: 3, atUs: 1_767_607_200_000_000, actor: 'ada', action: 'limits.changed' as const, entityType: 'portfolio', entityId: 'P1', before: { maxVar: 1 }, after: { maxVar: 2 } },
      ],
      chains: [
        { chain: -1, anchor: null, firstSeq: 7, lastSeq: 7, lastHash: 'b'.repeat(64), verdict: { ok: true as const, records: 1 } },
        { chain: 17, anchor: { seq: 2, hash: 'a'.repeat(64) }, firstSeq: 3, lastSeq: 4, lastHash: null, verdict: { ok: false as const, records: 1, brokenSeq: 4, reason: 'its content does not match its hash (the record was changed)' } },
      ],
    };
    const r = JSON.parse(renderPrivilegedChangesJson(input));
    expect(r.verified).toBe('broken');
    expect(r.chains[0]).toEqual({ chain: -1, verified: 'ok', firstSeq: 7, lastSeq: 7, records: 1, anchor: null, lastHash: 'b'.repeat(64) });
    expect(r.chains[1]).toEqual({ chain: 17, verified: 'broken', firstSeq: 3, lastSeq: 4, records: 1, anchor: { seq: 2, hash: 'a'.repeat(64) }, lastHash: null, brokenSeq: 4, reason: 'its content does not match its hash (the record was changed)' });
    expect(r.changes[1]).toEqual({ chain: 17, seq: 3, at: '2026-01-05T10:00:00.000000Z', actor: 'ada', action: 'limits.changed', category: 'risk_controls', entityType: 'portfolio', entityId: 'P1', before: { maxVar: 1 }, after: { maxVar: 2 } });
    const csv = renderPrivilegedChangesCsv(input).split('\r\n');
    expect(csv[0]).toBe('# audit broken chains=2 records=2 broken_chains=17');
    expect(csv[1]).toBe(`# chain -1 ok records=1 first_seq=7 last_seq=7 anchor_seq= anchor_hash= last_hash=${'b'.repeat(64)}`);
    expect(csv[2]).toMatch(/^# chain 17 broken records=1 first_seq=3 last_seq=4 anchor_seq=2 anchor_hash=a{64} last_hash= broken_seq=4 reason="its content/);
    expect(csv[3]).toBe('chain,seq,at,actor,action,category,entity_type,entity_id,before,after');
    expect(csv[5]).toBe('17,3,2026-01-05T10:00:00.000000Z,ada,limits.changed,risk_controls,portfolio,P1,"{""maxVar"":1}","{""maxVar"":2}"');
  });
});
