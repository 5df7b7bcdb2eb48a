/**
 * A backup file that is missing, not ours, cut short or altered is refused by `restore` before
 * anything is touched: a clear message with its code, exit code 1.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { BackupError } from '../../src/persistence/backup-error.js';
import { backupHeader, openBackupFile } from '../../src/persistence/backup-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'risk-backup-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payload = Buffer.from('a pg_dump archive would be here; any bytes do for the checks');
const good = Buffer.concat([
  backupHeader({ engineVersion: '0.1.0', kind: 'external', payloadFormat: 'pg_dump-custom', schema: 'risk_engine', migrationLevel: 3, serverVersion: '15.20' }, payload),
  payload,
]);
function file(name: string, bytes: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function refused(p: string, code: string, message: RegExp): Promise<void> {
  await expect(openBackupFile(p)).rejects.toMatchObject({ code, message: expect.stringMatching(message) as unknown });
  const r = await runCli(['restore', '--from', p]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`(${code})`);
  expect(r.stdout).toBe('');
}

describe('restore refuses a bad backup file', () => {
  it('accepts an intact file and prints its manifest with --check', async () => {
    const p = file('good.backup', good);
    expect((await openBackupFile(p)).manifest).toMatchObject({ kind: 'external', schema: 'risk_engine', migrationLevel: 3, payloadBytes: payload.length });
    const r = await runCli(['restore', '--from', p, '--check']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ payloadSha256: createHash('sha256').update(payload).digest('hex') });
  });

  it('refuses a missing file', async () => {
    await refused(path.join(dir, 'nothing-here.backup'), 'BACKUP_FILE_MISSING', /no such file/);
  });

  it('refuses a file with the wrong magic', async () => {
    await refused(file('foreign.backup', `PGDMP${good.toString('latin1').slice(5)}`), 'BACKUP_NOT_A_BACKUP', /not a risk-engine backup/);
  });

  it('refuses a truncated file, cut in the payload or in the manifest', async () => {
    await refused(file('cut-payload.backup', good.subarray(0, good.length - 10)), 'BACKUP_TRUNCATED', /truncated/);
    await refused(file('cut-manifest.backup', good.subarray(0, 60)), 'BACKUP_TRUNCATED', /truncated/);
  });

  it('refuses a payload whose bytes were altered', async () => {
    const tampered = Buffer.from(good);
    tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 0xff;
    await refused(file('tampered.backup', tampered), 'BACKUP_CORRUPT', /SHA-256/);
  });

  it('refuses bytes appended after the payload', async () => {
    await refused(file('appended.backup', Buffer.concat([good, Buffer.from('x')])), 'BACKUP_CORRUPT', /after the payload/);
  });

  it('refuses a manifest that is not JSON, or of a newer format', async () => {
    const text = good.toString('latin1');
    await refused(file('bad-json.backup', text.replace('{"formatVersion"', '{formatVersion')), 'BACKUP_BAD_MANIFEST', /not JSON/);
    await refused(file('newer.backup', text.replace('"formatVersion":1', '"formatVersion":9')), 'BACKUP_FORMAT_TOO_NEW', /format 9/);
  });

  it('is a BackupError with a stable code for callers other than the CLI', async () => {
    await expect(openBackupFile(path.join(dir, 'none'))).rejects.toBeInstanceOf(BackupError);
    expect(readFileSync(file('x', good)).subarray(0, 19).toString()).toBe('RISK-ENGINE-BACKUP\n');
  });
});
