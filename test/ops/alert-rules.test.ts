/**
 * ops/prometheus/alerts.yml: `promtool check rules` and the unit tests in alerts.test.yml
 * (`promtool test rules`) when promtool is installed (Debian package `prometheus`); the structure
 * checked with the yaml package always, so a machine without promtool still catches a broken file.
 * That every metric it names is exported: test/persistence/metrics-serve.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = path.join(import.meta.dirname, '..', '..', 'ops', 'prometheus');
const rulesFile = path.join(dir, 'alerts.yml');
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

interface Rule { alert?: string; expr?: unknown; for?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> }

describe('ops/prometheus/alerts.yml', () => {
  it('is a rule file whose every alert has an expression, a severity, a summary and a runbook', () => {
    const doc = parse(readFileSync(rulesFile, 'utf8')) as { groups?: { name?: unknown; rules?: Rule[] }[] };
    expect(Array.isArray(doc.groups)).toBe(true);
    const rules = doc.groups!.flatMap((g) => {
      expect(typeof g.name).toBe('string');
      return g.rules ?? [];
    });
    const names = rules.map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining([
      'RiskEngineDown', 'RiskEngineNotReady', 'OrderToAckP99High', 'JournalBacklogGrowing', 'DeadLettersPresent', 'QueueWorkersRestarting', 'LockoutStorm', 'SanctionsListStale', 'ReportsFailing',
    ]));
    expect(new Set(names).size).toBe(names.length);
    for (const r of rules) {
      expect(typeof r.expr, r.alert).toBe('string');
      expect(r.for === undefined || /^\d+[smh]$/.test(String(r.for)), r.alert).toBe(true);
      expect(['page', 'ticket'], r.alert).toContain(r.labels?.severity);
      expect(typeof r.annotations?.summary, r.alert).toBe('string');
      expect(String(r.annotations?.runbook), r.alert).toMatch(/^docs\/OPERATIONS\.md#[a-z-]+: /);
    }
  });

  it.runIf(promtool)('passes promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.runIf(promtool)('fires DeadLettersPresent and LockoutStorm when their series say so (promtool test rules)', () => {
    const r = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });
});
