/**
 * The backup file: a magic line, a manifest (one JSON line) and the payload (pg_dump's custom
 * format, or PGlite's data-directory tarball) to the end of the file.
 *
 *   RISK-ENGINE-BACKUP\n
 *   {"formatVersion":1,"kind":"external",...,"payloadBytes":N,"payloadSha256":"..."}\n
 *   <N bytes of payload>
 *
 * The manifest says what the payload is before a restore touches anything, and its SHA-256 and
 * length let a restore refuse a truncated or altered file instead of half-restoring it. It is
 * text so that `head -2 FILE` shows it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, type ReadStream, type WriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import * as z from 'zod';
import { BackupError } from './backup-error.js';
import { MIGRATIONS } from './migrations/index.js';

export const BACKUP_MAGIC = 'RISK-ENGINE-BACKUP\n';
export const BACKUP_FORMAT_VERSION = 1;
/** A manifest is a few hundred bytes; anything longer is not one of ours. */
const MAX_MANIFEST_BYTES = 16 * 1024;

export const BackupManifest = z.strictObject({
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  engineVersion: z.string().min(1).max(64),
  /** The database it was taken from: a PostgreSQL server (pg_dump) or the embedded PGlite (its data directory). */
  kind: z.enum(['external', 'embedded']),
  payloadFormat: z.enum(['pg_dump-custom', 'pglite-datadir-tgz']),
  /** DATABASE_SCHEMA of the engine it was taken from. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  /** The highest schema migration applied (app_migrations). */
  migrationLevel: z.number().int().min(0),
  /** The database server's version (`SHOW server_version`). */
  serverVersion: z.string().min(1).max(128),
  createdAt: z.iso.datetime(),
  payloadBytes: z.number().int().min(1),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
}).refine((m) => (m.kind === 'external') === (m.payloadFormat === 'pg_dump-custom'), { message: 'kind and payloadFormat disagree' });
export type BackupManifest = z.infer<typeof BackupManifest>;

/** What the taker of a backup knows; the payload's length and hash are computed here. */
export type BackupDescription = Omit<BackupManifest, 'formatVersion' | 'payloadBytes' | 'payloadSha256' | 'createdAt'>;

/** The magic line and manifest line that precede `payload`. */
export function backupHeader(d: BackupDescription, payload: Buffer, createdAt = new Date()): Buffer {
  const manifest: BackupManifest = {
    formatVersion: BACKUP_FORMAT_VERSION, ...d, createdAt: createdAt.toISOString(),
    payloadBytes: payload.length, payloadSha256: createHash('sha256').update(payload).digest('hex'),
  };
  return Buffer.from(`${BACKUP_MAGIC}${JSON.stringify(BackupManifest.parse(manifest))}\n`, 'utf8');
}

/** Writes a header and the payload file's bytes to `to` (through a temporary file, so a failed write leaves no half file there). */
export async function writeBackupFile(to: string, d: BackupDescription, payloadFile: string, opts: { force: boolean }): Promise<BackupManifest> {
  refuseExisting(to, opts.force);
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(payloadFile)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  const manifest = BackupManifest.parse({
    formatVersion: BACKUP_FORMAT_VERSION, ...d, createdAt: new Date().toISOString(), payloadBytes: bytes, payloadSha256: hash.digest('hex'),
  });
  await commitFile(to, async (out) => {
    out.write(`${BACKUP_MAGIC}${JSON.stringify(manifest)}\n`);
    await pipeline(createReadStream(payloadFile), out);
  });
  return manifest;
}

/**
 * Fills `to` through a temporary file beside it (`fill` ends the stream, as pipeline does), renamed
 * into place once complete, on disk and accepted by `check`: a failure leaves no half file at `to`.
 */
export async function commitFile(to: string, fill: (out: WriteStream) => Promise<void>, check?: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = `${to}.partial-${process.pid}`;
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    await fill(out);
    const fh = await open(tmp, 'r');
    await fh.sync().finally(() => fh.close());
    await check?.(tmp);
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
}

export function refuseExisting(to: string, force: boolean): void {
  if (!force && existsSync(to)) throw new BackupError('BACKUP_TARGET_EXISTS', `${to} exists: give another file, or --force to replace it`);
}

export interface OpenedBackup {
  readonly manifest: BackupManifest;
  /** The payload's bytes, already checked against the manifest's length and SHA-256. */
  payload(): ReadStream;
}

/**
 * Reads and checks a backup file: magic, manifest, length and SHA-256 of the payload, in that
 * order, so each kind of damage gets its own message. Nothing is restored from a file that fails.
 */
export async function openBackupFile(file: string): Promise<OpenedBackup> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new BackupError('BACKUP_FILE_MISSING', `${file} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError('BACKUP_FILE_MISSING', `cannot read the backup ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const head = Buffer.alloc(Math.min(size, BACKUP_MAGIC.length + MAX_MANIFEST_BYTES + 1));
  const fh = await open(file, 'r');
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  if (head.subarray(0, BACKUP_MAGIC.length).toString('latin1') !== BACKUP_MAGIC) {
    throw new BackupError('BACKUP_NOT_A_BACKUP', `${file} is not a risk-engine backup (it does not start with "${BACKUP_MAGIC.trim()}")`);
  }
  const end = head.indexOf(0x0a, BACKUP_MAGIC.length);
  if (end === -1) {
    // The file ended before the manifest's line did, or the line is longer than any manifest.
    const cut = size === head.length && size < BACKUP_MAGIC.length + MAX_MANIFEST_BYTES + 1;
    throw new BackupError(cut ? 'BACKUP_TRUNCATED' : 'BACKUP_BAD_MANIFEST', `${file}: the manifest line ${cut ? 'is cut short: the file is truncated' : `is longer than ${MAX_MANIFEST_BYTES} bytes`}`);
  }
  const manifest = parseManifest(file, head.subarray(BACKUP_MAGIC.length, end).toString('utf8'));
  const offset = end + 1;
  const expected = offset + manifest.payloadBytes;
  if (size < expected) throw new BackupError('BACKUP_TRUNCATED', `${file} is truncated: ${size} bytes, the manifest announces ${expected}`);
  if (size > expected) throw new BackupError('BACKUP_CORRUPT', `${file} has ${size - expected} bytes after the payload the manifest announces: it was altered or appended to`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { start: offset })) hash.update(chunk as Buffer);
  const sha = hash.digest('hex');
  if (sha !== manifest.payloadSha256) {
    throw new BackupError('BACKUP_CORRUPT', `${file}: the payload's SHA-256 is ${sha}, the manifest says ${manifest.payloadSha256}: the file is damaged or was altered; restore nothing from it`);
  }
  return { manifest, payload: () => createReadStream(file, { start: offset }) };
}

function parseManifest(file: string, line: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new BackupError('BACKUP_BAD_MANIFEST', `${file}: the manifest is not JSON (${(e as Error).message})`);
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > BACKUP_FORMAT_VERSION) {
    throw new BackupError('BACKUP_FORMAT_TOO_NEW', `${file} is in backup format ${version}; this engine reads format ${BACKUP_FORMAT_VERSION}: restore it with the engine version that wrote it or a newer one`);
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) {
    throw new BackupError('BACKUP_BAD_MANIFEST', `${file}: the manifest is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The manifest in one line for the operator. */
export function describeManifest(m: BackupManifest): string {
  return `${m.kind === 'external' ? 'PostgreSQL' : 'embedded'} backup of schema ${m.schema} at migration ${m.migrationLevel}, engine ${m.engineVersion}, server ${m.serverVersion}, taken ${m.createdAt}, ${m.payloadBytes} bytes`;
}

/** A backup from a newer engine may hold tables this one does not know: it is refused, not half-understood. */
export function refuseNewerSchema(m: BackupManifest): void {
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (m.migrationLevel > latest) {
    throw new BackupError('BACKUP_SCHEMA_TOO_NEW', `the backup's schema is at migration ${m.migrationLevel}, newer than this engine's ${latest}: restore it with engine ${m.engineVersion} or newer`);
  }
}
