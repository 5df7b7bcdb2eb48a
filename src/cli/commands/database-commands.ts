/**
 * The commands that work on the engine's database directly: migrate, reconcile, audit verify.
 * They read the same configuration as serve (DATABASE_URL, DATABASE_SCHEMA, DATA_DIR); on the
 * embedded database they need the engine stopped (PGlite is one process's).
 */
import { openDatabase, type Database, DatabaseError } from '../../persistence/database.js';
import { verifyAuditTrail } from '../../persistence/audit-verify.js';
import { migrate, MigrationError } from '../../persistence/migrate.js';
import { reconcile } from '../../persistence/reconcile.js';
import { parseFlags } from '../args.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { configOrCliError } from './config-flags.js';

const ENV_HELP = `The database comes from the configuration, as for 'serve': DATABASE_URL and DATABASE_SCHEMA,
or else the embedded database under DATA_DIR (default ./data), which needs the engine stopped.`;

export const migrateHelp = `Usage: risk-engine migrate

Applies the schema migrations the database does not have yet (serve also does at start), then
prints the schema version. ${ENV_HELP}
`;

export const reconcileHelp = `Usage: risk-engine reconcile [--json]

Re-derives every portfolio's positions and cash from what it was opened with plus its fills, and
compares them with the stored positions and cash. Prints each difference; exit code 1 when there
is one, 0 when the book agrees. ${ENV_HELP}
`;

export const auditHelp = `Usage: risk-engine audit verify

Walks the audit trail in order and checks its hash chain: each record's SHA-256 over its content
and the previous record's hash. Names the first broken record; exit code 1 when there is one.
${ENV_HELP}
`;

async function withDatabase<T>(io: CliIo, run: (db: Database) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const config = configOrCliError(process.env, {});
  if (config.persistence.mode !== 'durable') throw new CliError('PERSISTENCE=memory: there is no database to work on');
  const p = config.persistence;
  let db: Database;
  try {
    db = await openDatabase({ ...(p.databaseUrl !== undefined ? { url: p.databaseUrl } : {}), schema: p.schema, dataDir: config.dataDir, poolSize: 2 });
  } catch (e) {
    if (e instanceof DatabaseError) throw new CliError(e.message);
    throw e;
  }
  try {
    if (opts.migrate !== false) {
      const m = await migrate(db.pool);
      if (m.applied.length > 0) io.stderr.write(`applied migrations ${m.applied.join(', ')}\n`);
      // Committed batches not yet in the tables (the engine projects them a few ms later, or at
      // its next start) are projected first, so the check sees everything acknowledged.
      await db.pool.query('SELECT journal_apply()');
    }
    return await run(db);
  } catch (e) {
    if (e instanceof MigrationError) throw new CliError(e.message);
    throw e;
  } finally {
    await db.close();
  }
}

export async function runMigrate(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('migrate', argv, {});
  if (f.help) {
    io.stdout.write(migrateHelp);
    return ExitCode.Ok;
  }
  return withDatabase(io, async (db) => {
    const m = await migrate(db.pool);
    io.stdout.write(`schema ${db.schema} (${db.kind}) at version ${m.current}; applied now: ${m.applied.length === 0 ? 'none' : m.applied.join(', ')}\n`);
    return ExitCode.Ok;
  }, { migrate: false });
}

export async function runReconcile(argv: string[], io: CliIo): Promise<number> {
  const f = parseFlags('reconcile', argv, { json: { type: 'boolean' } });
  if (f.help) {
    io.stdout.write(reconcileHelp);
    return ExitCode.Ok;
  }
  return withDatabase(io, async (db) => {
    const r = await reconcile(db.pool);
    if (f.json) io.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      for (const d of r.differences) io.stdout.write(`DIFFERENCE ${d.portfolioId} ${d.item}: stored ${d.stored}, from fills ${d.derived}\n`);
      io.stdout.write(`${r.portfolios} portfolios, ${r.fills} fills: ${r.differences.length === 0 ? 'positions and cash agree with the fills' : `${r.differences.length} difference(s)`}\n`);
    }
    return r.differences.length === 0 ? ExitCode.Ok : ExitCode.DataError;
  });
}

export async function runAudit(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    io.stdout.write(auditHelp);
    return ExitCode.Ok;
  }
  if (sub !== 'verify') throw usageError(`audit: expected the subcommand "verify"${sub === undefined ? '' : `, got "${sub}"`}\n\n${auditHelp}`);
  const f = parseFlags('audit verify', rest, {});
  if (f.help) {
    io.stdout.write(auditHelp);
    return ExitCode.Ok;
  }
  return withDatabase(io, async (db) => {
    const check = await verifyAuditTrail(db.pool);
    if (check.ok) {
      io.stdout.write(`audit trail intact: ${check.records} records\n`);
      return ExitCode.Ok;
    }
    io.stdout.write(`audit trail BROKEN at record ${check.brokenSeq}: ${check.reason} (${check.records} records before it verified)\n`);
    return ExitCode.DataError;
  });
}
