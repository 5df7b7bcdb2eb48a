/**
 * `risk-engine backup` and `restore`: the engine's database into one checked file and back, for a
 * PostgreSQL server (pg_dump/pg_restore) and for the embedded database (its data directory).
 * The format and the checks are in src/persistence/backup-file.ts; docs/PERSISTENCE.md has the runbook.
 */
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from '../../config.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { packageVersion } from '../package-version.js';
import { configOrCliError } from './config-flags.js';

/** Loaded on use: pg, PGlite and the tools, which the other commands never need. */
async function backups() {
  const [error, file, embedded, server, database] = await Promise.all([
    import('../../persistence/backup-error.js'),
    import('../../persistence/backup-file.js'),
    import('../../persistence/backup-embedded.js'),
    import('../../persistence/backup-server.js'),
    import('../../persistence/database.js'),
  ]);
  return { ...error, ...file, ...embedded, ...server, ...database };
}

const KEYS_NOTE = `Not in the backup, by design: the field-encryption master keys (ENCRYPTION_KEY,
ENCRYPTION_KEY_PREVIOUS; in development DATA_DIR/dev-encryption-key) and the token signing keys
(SIGNING_KEYS_DIR, default DATA_DIR/signing-keys). Keep them apart from the backups: erasing a
customer destroys their data key, and a backup that carried the keys would bring the erased data
back. The restored engine needs the same keys as the one backed up.`;

/** The durable configuration, or a CLI error; config errors are the user's to fix. */
function durableConfig(env: NodeJS.ProcessEnv = process.env): { config: AppConfig; persistence: Extract<AppConfig['persistence'], { mode: 'durable' }> } {
  const config = configOrCliError(env, {});
  if (config.persistence.mode !== 'durable') throw new CliError('PERSISTENCE=memory: there is no database to back up or restore');
  return { config, persistence: config.persistence };
}

/** A BackupError or DatabaseError is the operator's to fix: its message is printed as is. */
async function userErrors<T>(run: () => Promise<T>): Promise<T> {
  const b = await backups();
  try {
    return await run();
  } catch (e) {
    if (e instanceof b.BackupError) throw new CliError(`${e.message} (${e.code})`);
    if (e instanceof b.DatabaseError) throw new CliError(`${e.message} (${e.code})`);
    throw e;
  }
}

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'copy the database into one checked file, while the engine runs',
  description: `Copies the engine's database into FILE: a manifest (format, engine version, database kind,
schema, migration level, time, SHA-256 of the payload) followed by the payload.

With DATABASE_URL: pg_dump of DATABASE_SCHEMA in its custom format, one consistent snapshot even
while engines write. pg_dump must be of the server's major version or newer; the newest found in
PATH and /usr/lib/postgresql/*/bin is used.
Without it (the embedded database under DATA_DIR): PGlite's data directory. When an engine runs
on that DATA_DIR, it takes the copy itself (asked on a socket in DATA_DIR/pg-socket, which only
its user can enter) between two queries; otherwise the command opens the database itself.

FILE is written whole or not at all (through a temporary file beside it), and never replaces an
existing file unless --force.

${KEYS_NOTE}`,
  flags: {
    to: { type: 'string', value: 'FILE', required: true, help: 'the backup file to write' },
    force: { type: 'boolean', help: 'replace FILE if it exists' },
  },
  footer: `Example:
  DATABASE_URL=postgres://... risk-engine backup --to risk-$(date +%F).backup`,
  run: (f, io) =>
    userErrors(async () => {
      const { config, persistence } = durableConfig();
      const b = await backups();
      const to = resolve(f.to);
      const engineVersion = packageVersion();
      let manifest;
      if (persistence.databaseUrl !== undefined) {
        manifest = await b.backupServer(persistence.databaseUrl, persistence.schema, to, { force: f.force, engineVersion });
      } else {
        manifest = await b.requestRunningBackup(config.dataDir, to, { force: f.force });
        if (manifest === false) {
          try {
            manifest = await b.backupStoppedEmbedded(config.dataDir, persistence.schema, to, { force: f.force, engineVersion });
          } catch (e) {
            if (e instanceof b.DatabaseError && e.code === 'DB_EMBEDDED_START' && /in use by process/.test(e.message)) {
              throw new CliError(`${e.message.replace(/: stop that engine.*$/, '')}, but it does not answer on ${resolve(config.dataDir, 'pg-socket', b.BACKUP_SOCKET_NAME)} (an engine older than this command, or one whose DATA_DIR path is too long for a socket): stop it and run backup again`);
            }
            throw e;
          }
        }
      }
      io.stdout.write(`${to}: ${b.describeManifest(manifest)}\n`);
      return ExitCode.Ok;
    }),
});

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'check a backup file and restore it into a fresh schema or folder',
  description: `Checks FILE (magic, manifest, length, SHA-256 of the payload) and restores it; a damaged, truncated
or foreign file is refused before anything is touched (exit code 1).

A PostgreSQL backup is restored with pg_restore into schema --schema (default DATABASE_SCHEMA) of
DATABASE_URL; under a name other than the backup's own, through a scratch database (CREATEDB).
An embedded backup is restored into --data-dir (default DATA_DIR) as its pg folder; the engine
started there uses the schema the manifest names (set DATABASE_SCHEMA to it).
A target that holds anything is refused unless --force, which drops or deletes it first; an
embedded folder an engine runs on is refused even then. Then start the engine on the target and
run 'reconcile' and 'audit verify' (docs/PERSISTENCE.md, "Backups and restore").

${KEYS_NOTE}`,
  flags: {
    from: { type: 'string', value: 'FILE', required: true, help: 'the backup file to restore' },
    schema: { type: 'string', value: 'NAME', help: 'PostgreSQL: the schema to restore into (default DATABASE_SCHEMA)' },
    'data-dir': { type: 'string', value: 'DIR', help: 'embedded: the DATA_DIR to restore into (default DATA_DIR)' },
    force: { type: 'boolean', help: 'replace what the target holds' },
    check: { type: 'boolean', help: 'only check the file and print its manifest; restore nothing' },
  },
  footer: `Example:
  DATABASE_URL=postgres://... risk-engine restore --from risk-2026-05-01.backup --schema risk_engine_restored`,
  run: (f, io) =>
    userErrors(async () => {
      const b = await backups();
      const from = resolve(f.from);
      const opened = await b.openBackupFile(from);
      io.stderr.write(`${from}: ${b.describeManifest(opened.manifest)}\n`);
      if (f.check) {
        io.stdout.write(`${JSON.stringify(opened.manifest)}\n`);
        return ExitCode.Ok;
      }
      const dataDir = resolve(f['data-dir'] ?? process.env.DATA_DIR ?? './data');
      const { persistence } = restoreConfig(dataDir);
      if (opened.manifest.kind === 'external') {
        if (persistence.databaseUrl === undefined) {
          throw new CliError(`this is a backup of a PostgreSQL server (schema ${opened.manifest.schema}): set DATABASE_URL to the server to restore into (BACKUP_WRONG_KIND)`);
        }
        const schema = f.schema ?? persistence.schema;
        const r = await b.restoreServer(opened, persistence.databaseUrl, schema, { force: f.force });
        io.stdout.write(`restored into schema ${r.schema} of ${b.redactUrl(persistence.databaseUrl)} at migration ${r.migrationLevel}${r.viaScratchDatabase ? ` (renamed from ${opened.manifest.schema} in a scratch database)` : ''}\n`);
        io.stdout.write(`next: DATABASE_SCHEMA=${r.schema} risk-engine reconcile && DATABASE_SCHEMA=${r.schema} risk-engine audit verify\n`);
      } else {
        if (persistence.databaseUrl !== undefined) {
          throw new CliError(`this is a backup of the embedded database (schema ${opened.manifest.schema}): unset DATABASE_URL to restore it into a DATA_DIR (BACKUP_WRONG_KIND)`);
        }
        if (f.schema !== undefined && f.schema !== opened.manifest.schema) {
          throw new CliError(`an embedded backup keeps its schema (${opened.manifest.schema}): --schema cannot rename it; start the engine with DATABASE_SCHEMA=${opened.manifest.schema}`);
        }
        const r = await b.restoreEmbedded(opened, dataDir, { force: f.force });
        io.stdout.write(`restored into ${resolve(dataDir, 'pg')} (schema ${r.schema}) at migration ${r.migrationLevel}\n`);
        io.stdout.write(`next: DATA_DIR=${dataDir} DATABASE_SCHEMA=${r.schema} risk-engine reconcile && ... audit verify\n`);
      }
      const erased = await reapplyLedger(dataDir, persistence, opened.manifest.kind === 'external' ? (f.schema ?? persistence.schema) : opened.manifest.schema);
      if (erased !== undefined) io.stdout.write(`erasures re-applied from ${erased.ledger}: ${erased.users} person(s) erased since the backup was taken are erased again\n`);
      io.stderr.write('reminder: the backup holds no keys; give the restored engine the same ENCRYPTION_KEY(s) and signing keys as the one backed up\n');
      return ExitCode.Ok;
    }),
});

/**
 * GDPR erasures made after the backup was taken (docs/GDPR.md "Backups do not bring the person
 * back"): the erasure ledger lives in DATA_DIR, outside the database, and every erasure in it is
 * applied to the restored database again before anything reads it — here, so that not even a
 * direct read of the restored schema finds the person, and again by the engine at its start.
 * The restored schema is migrated first (the engine would do it at start anyway): a backup older
 * than the erasure tables gets them. Undefined when there is no ledger.
 */
async function reapplyLedger(dataDir: string, persistence: { readonly databaseUrl?: string }, schema: string): Promise<{ ledger: string; users: number } | undefined> {
  const { GDPR_LEDGER_FILE, fileErasureLedger } = await import('../../persistence/gdpr-erasure-ledger.js');
  const path = resolve(dataDir, GDPR_LEDGER_FILE);
  if (!existsSync(path)) return undefined;
  const [{ openDatabase }, { migrate }, { reapplyErasures }] = await Promise.all([
    import('../../persistence/database.js'), import('../../persistence/migrate.js'), import('../../persistence/gdpr-erasures-pg.js'),
  ]);
  const db = await openDatabase({ ...(persistence.databaseUrl !== undefined ? { url: persistence.databaseUrl } : {}), schema, dataDir, poolSize: 1 });
  try {
    await migrate(db.pool);
    return { ledger: path, users: (await reapplyErasures(db.pool, fileErasureLedger(path))).length };
  } finally {
    await db.close();
  }
}

/**
 * The configuration for a restore into `dataDir`. Loading it would make a development master key
 * in a fresh DATA_DIR (config.ts); a restore creates nothing but the database, and a fresh key
 * there would open none of the restored data, so one made by this load is removed again.
 */
function restoreConfig(dataDir: string): ReturnType<typeof durableConfig> {
  const devKey = resolve(dataDir, 'dev-encryption-key');
  const had = existsSync(devKey);
  try {
    return durableConfig({ ...process.env, DATA_DIR: dataDir });
  } finally {
    if (!had) rmSync(devKey, { force: true });
  }
}
