/**
 * `risk-engine screen` end to end: the built CLI spawned as a user runs it, JSON Lines through
 * stdin and stdout against the real SDN list; bad lines answered in place while the rest go on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, repoRoot, runBin } from './run-cli.js';

const LIST = path.join(repoRoot, 'data', 'ofac');

describe('risk-engine screen', () => {
  it('answers each line in order: a listed name blocked or reviewed with its explained matches, an ordinary one cleared, bad lines with {error, line}', async () => {
    const input = [
      JSON.stringify({ id: 'c-1', name: 'Osama bin Laden', dateOfBirth: '1957' }),
      'not json',
      JSON.stringify({ id: 'c-3', name: 'Jennifer Miller', type: 'individual' }),
      JSON.stringify({ name: 'x', type: 'vessel' }),
      '',
      JSON.stringify({ id: 'c-6', name: 'Олег Дерипаска' }),
    ].join('\n');
    const r = await runBin(['screen', '--list', LIST], `${input}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(6);
    expect(out[0]).toMatchObject({ id: 'c-1', decision: 'block', listVersion: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((out[0]!.matches as { entNum: number }[])[0]!.entNum).toBe(6365);
    expect(out[1]).toMatchObject({ code: 'MALFORMED_JSON', line: 2, error: expect.stringContaining('malformed JSON') });
    expect(out[2]).toMatchObject({ id: 'c-3', decision: 'clear', matches: [] });
    expect(out[3]).toMatchObject({ code: 'INVALID_INPUT', line: 4, error: expect.stringContaining('type') });
    expect(out[4]).toMatchObject({ code: 'MALFORMED_JSON', line: 5 });
    expect(out[5]).toMatchObject({ id: 'c-6', matches: [expect.objectContaining({ entNum: 24283 })] });
    expect(out[5]!.decision).not.toBe('clear');
    expect(out[0]!.listVersion).toBe(out[5]!.listVersion);
  });

  it('exits 0 when every line was screened', async () => {
    const r = await runBin(['screen', '--list', LIST], '{"name":"John Smith"}\n');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([expect.objectContaining({ decision: 'clear' })]);
  });

  it('exits 1 with a message when the list folder cannot be read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'no-list-'));
    try {
      writeFileSync(path.join(dir, 'sdn.csv'), '');
      const r = await runBin(['screen', '--list', dir], '{"name":"x"}\n');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^risk-engine screen: cannot read the sanctions list: .*alt\.csv/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
