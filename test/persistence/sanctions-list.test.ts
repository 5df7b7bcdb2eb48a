/**
 * The list on disk: read from its folder, versioned by the SHA-256 of its files, and reloaded
 * without a restart: the new list in force once indexed, the old one kept when the new cannot be read.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SanctionsListError, SanctionsScreener, loadSanctionsIndex, sanctionsListDir } from '../../src/persistence/sanctions-list.js';

const OFAC = new URL('../../data/ofac/', import.meta.url).pathname;
const dirs: string[] = [];
const copyOfList = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sdn-'));
  dirs.push(dir);
  cpSync(OFAC, dir, { recursive: true });
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the sanctions list on disk', () => {
  it("is read from SANCTIONS_LIST_DIR, by default the package's data/ofac whatever the working directory", () => {
    const shipped = fileURLToPath(new URL('../../data/ofac', import.meta.url));
    expect(sanctionsListDir({})).toBe(shipped);
    expect(sanctionsListDir({ SANCTIONS_LIST_DIR: ' ' })).toBe(shipped);
    expect(sanctionsListDir({ SANCTIONS_LIST_DIR: '/srv/ofac' })).toBe('/srv/ofac');
    // A relative setting is the operator's, relative to where they start the engine.
    expect(sanctionsListDir({ SANCTIONS_LIST_DIR: 'lists/ofac' })).toBe(path.resolve('lists/ofac'));
  });

  it('has the same version for the same files, and another when a file changes', async () => {
    const a = await loadSanctionsIndex(OFAC);
    const dir = copyOfList();
    expect((await loadSanctionsIndex(dir)).version.sha256).toBe(a.version.sha256);
    writeFileSync(path.join(dir, 'alt.csv'), readFileSync(path.join(dir, 'alt.csv'), 'utf8').replace('AERO-CARIBBEAN', 'AERO CARIBBEAN'));
    expect((await loadSanctionsIndex(dir)).version.sha256).not.toBe(a.version.sha256);
  });

  it('reloads without a restart: screenings after the reload record the new version and see the new list', async () => {
    const dir = copyOfList();
    const screener = await SanctionsScreener.open(dir);
    const before = screener.screen({ name: 'Usama bin Ladin' });
    expect(before.matches.map((m) => m.entNum)).toContain(6365);
    // The next publication delists entry 6365 (its sdn row, aliases and address rows gone).
    for (const f of ['sdn.csv', 'alt.csv', 'add.csv']) {
      const p = path.join(dir, f);
      writeFileSync(p, readFileSync(p, 'utf8').split('\n').filter((l) => !l.startsWith('6365,')).join('\n'));
    }
    const v = await screener.reload();
    expect(v.entries).toBe(8975);
    const after = screener.screen({ name: 'Usama bin Ladin' });
    expect(after.listVersion).toBe(v.sha256);
    expect(after.listVersion).not.toBe(before.listVersion);
    expect(after.matches.map((m) => m.entNum)).not.toContain(6365);
  });

  it('shares one read between two reloads asked at once', async () => {
    const screener = await SanctionsScreener.open(copyOfList());
    const a = screener.reload();
    const b = screener.reload();
    expect(b).toBe(a);
    expect((await a).sha256).toBe(screener.version.sha256);
    const c = screener.reload();
    expect(c).not.toBe(a);
    await c;
  });

  it('keeps the list in force when the new one cannot be read', async () => {
    const dir = copyOfList();
    const screener = await SanctionsScreener.open(dir);
    const version = screener.version.sha256;
    unlinkSync(path.join(dir, 'alt.csv'));
    await expect(screener.reload()).rejects.toBeInstanceOf(SanctionsListError);
    await expect(screener.reload()).rejects.toMatchObject({ code: 'SANCTIONS_LIST_UNREADABLE', message: expect.stringContaining('alt.csv') });
    expect(screener.version.sha256).toBe(version);
    expect(screener.screen({ name: 'Usama bin Ladin' }).listVersion).toBe(version);
  });

  it('refuses a folder whose sdn.csv holds no entry', async () => {
    const dir = copyOfList();
    writeFileSync(path.join(dir, 'sdn.csv'), 'garbage\n');
    await expect(loadSanctionsIndex(dir)).rejects.toMatchObject({ code: 'SANCTIONS_LIST_UNREADABLE' });
  });

  it('names every missing file, in file order, whichever read fails first', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sdn-empty-'));
    dirs.push(dir);
    const err = await loadSanctionsIndex(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SanctionsListError);
    const message = (err as Error).message;
    expect(message.indexOf('sdn.csv')).toBeGreaterThanOrEqual(0);
    expect(message.indexOf('sdn.csv')).toBeLessThan(message.indexOf('alt.csv'));
    expect(message.indexOf('alt.csv')).toBeLessThan(message.indexOf('add.csv'));
    expect(message).not.toContain('sdn_comments.csv');
  });
});
