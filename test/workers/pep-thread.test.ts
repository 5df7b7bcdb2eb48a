/**
 * The PEP list in the sanctions thread (serve's): screenPerson answers both lists as the indexes in
 * this thread do, with both versions; the PEP list reloads on its own, a reload of a file with a bad
 * line keeps the list in force; a bad file refuses the start; without a file PEP screening is off.
 * Runs the compiled thread (`npm run build`), as serve does.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PepIndex, screenPerson } from '../../src/engine/compliance/pep/index.js';
import { PepListError, loadPepIndex } from '../../src/persistence/pep-list.js';
import { SANCTIONS_LIST_DEFAULTS, SanctionsScreener } from '../../src/persistence/sanctions-list.js';
import { PEP_SCREENING_OFF, SanctionsThread } from '../../src/workers/sanctions/sanctions-thread.js';
import { EXAMPLE_PEP_FILE } from '../fixtures/pep/example-pep.js';

const dir = mkdtempSync(path.join(tmpdir(), 'risk-pep-thread-'));
const pepFile = path.join(dir, 'pep.csv');
let thread: SanctionsThread;
let local: SanctionsScreener;
let localPep: PepIndex;

beforeAll(async () => {
  copyFileSync(EXAMPLE_PEP_FILE, pepFile);
  [thread, local, localPep] = await Promise.all([SanctionsThread.open(SANCTIONS_LIST_DEFAULTS.dir, { pepFile }), SanctionsScreener.open(SANCTIONS_LIST_DEFAULTS.dir), loadPepIndex(pepFile)]);
}, 30_000);
afterAll(async () => {
  await thread?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the PEP list in the sanctions thread', () => {
  it('screens a person against both lists as the indexes in this thread do, with both versions', async () => {
    const queries = [
      { name: 'Politica Paula', dateOfBirth: '1968-03-14', countries: ['ES'], type: 'individual' as const },
      { name: 'Usama bin Laden', type: 'individual' as const },
      { name: 'Anna Maria Eriksson', countries: ['SE'] },
    ];
    for (const q of queries) expect(await thread.screenPerson(q)).toEqual(screenPerson(local, localPep, q));
    const paula = await thread.screenPerson(queries[0]!);
    expect(paula.pep).toMatchObject({ pep: true, listVersion: createHash('sha256').update(readFileSync(pepFile)).digest('hex'), matches: [{ id: 'PEP-0001', position: 'Minister of Finance', country: 'ES' }] });
    expect(paula.sanctions.decision).toBe('clear');
    expect(thread.pepVersion).toEqual({ sha256: paula.pep!.listVersion, entries: 20, aliases: 14 });
  });

  it('keeps the PEP list in force when the file gains a bad line, naming it, and reloads once it is fixed', async () => {
    const before = thread.pepVersion;
    const good = readFileSync(pepFile, 'utf8');
    appendFileSync(pepFile, 'PEP-0099,Corvin Albescu-Tarnow,,Minister of Justice,RO,1969-13-01,2022-01-01,\n');
    const refused = await thread.reloadPep().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PepListError);
    expect(refused).toMatchObject({ code: 'PEP_LIST_UNREADABLE', message: expect.stringContaining('line 25: dateOfBirth: "1969-13-01"') });
    expect(thread.pepVersion).toEqual(before);
    expect((await thread.screenPerson({ name: 'Paula Politica' })).pep?.listVersion).toBe(before?.sha256);

    writeFileSync(pepFile, `${good}PEP-0099,Corvin Albescu-Tarnow,,Minister of Justice,RO,1969-12-01,2022-01-01,\n`);
    const after = await thread.reloadPep();
    expect(after).toMatchObject({ entries: 21 });
    expect(after.sha256).not.toBe(before?.sha256);
    expect((await thread.screenPerson({ name: 'Corvin Albescu Tarnow' })).pep).toMatchObject({ pep: true, listVersion: after.sha256, matches: [{ id: 'PEP-0099' }] });
    // The sanctions list is untouched by the PEP reload.
    expect(thread.version).toEqual(local.version);
  });

  it('refuses to start on a PEP file with a bad line, with PEP_LIST_UNREADABLE and the line', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'id,name,aliases,position,country,dateOfBirth,positionFrom,positionTo\nX1,Jean Valmont,,Senator,France,,,\n');
    await expect(SanctionsThread.open(SANCTIONS_LIST_DEFAULTS.dir, { pepFile: bad })).rejects.toMatchObject({ code: 'PEP_LIST_UNREADABLE', message: expect.stringContaining('line 2: country: "France"') });
    await expect(SanctionsThread.open(SANCTIONS_LIST_DEFAULTS.dir, { pepFile: path.join(dir, 'missing.csv') })).rejects.toBeInstanceOf(PepListError);
  }, 30_000);

  it('screens without PEP when no PEP list is configured, and says so on a PEP reload', async () => {
    const plain = await SanctionsThread.open(SANCTIONS_LIST_DEFAULTS.dir);
    try {
      expect(plain.pepVersion).toBeNull();
      expect(await plain.screenPerson({ name: 'Paula Politica' })).toEqual({ sanctions: local.screen({ name: 'Paula Politica' }), pep: null });
      await expect(plain.reloadPep()).rejects.toMatchObject({ code: PEP_SCREENING_OFF });
    } finally {
      await plain.close();
    }
  }, 30_000);
});
