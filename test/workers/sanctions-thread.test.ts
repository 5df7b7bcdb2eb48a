/**
 * The sanctions index in its own thread (serve's): it answers screenings as the index in this
 * thread does, reloads, keeps the list in force when a reload cannot read, and refuses to start on a
 * folder without a list. Runs the compiled thread (`npm run build`), as serve does.
 */
import { cpSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANCTIONS_LIST_DEFAULTS, SanctionsListError, SanctionsScreener } from '../../src/persistence/sanctions-list.js';
import { SanctionsThread } from '../../src/workers/sanctions/sanctions-thread.js';

const dir = mkdtempSync(path.join(tmpdir(), 'risk-sanctions-thread-'));
let thread: SanctionsThread;
let local: SanctionsScreener;

beforeAll(async () => {
  cpSync(SANCTIONS_LIST_DEFAULTS.dir, dir, { recursive: true });
  [thread, local] = await Promise.all([SanctionsThread.open(dir), SanctionsScreener.open(dir)]);
}, 30_000);
afterAll(async () => {
  await thread?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sanctions thread', () => {
  it('answers a screening exactly as the index in this thread does, with the version in force', async () => {
    for (const query of [{ name: 'Usama bin Laden', type: 'individual' as const }, { name: 'Margaret Thompson' }, { name: 'BANCO NACIONAL DE CUBA', country: 'Cuba' }]) {
      expect(await thread.screen(query)).toEqual(local.screen(query));
    }
    expect(thread.version).toEqual(local.version);
  });

  it('answers many screenings at once, each with its own result', async () => {
    const names = ['Usama bin Laden', 'Margaret Thompson', 'Aerocaribbean Airlines', 'John Smith'];
    const results = await Promise.all(names.map((name) => thread.screen({ name })));
    expect(results.map((r) => r.decision)).toEqual(names.map((name) => local.screen({ name }).decision));
  });

  it('keeps the list in force when a reload cannot read the folder, and reloads once it can', async () => {
    const before = thread.version;
    const alt = path.join(dir, 'alt.csv');
    const saved = path.join(tmpdir(), `alt-${process.pid}.csv`);
    cpSync(alt, saved);
    unlinkSync(alt);
    await expect(thread.reload()).rejects.toBeInstanceOf(SanctionsListError);
    expect(thread.version).toEqual(before);
    expect((await thread.screen({ name: 'Usama bin Laden' })).decision).toBe('block');
    cpSync(saved, alt);
    rmSync(saved);
    expect(await thread.reload()).toEqual(before);
  });

  it('refuses to start on a folder without a list, with SANCTIONS_LIST_UNREADABLE', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'risk-sanctions-empty-'));
    try {
      await expect(SanctionsThread.open(empty)).rejects.toMatchObject({ code: 'SANCTIONS_LIST_UNREADABLE', message: expect.stringContaining('sdn.csv') });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
