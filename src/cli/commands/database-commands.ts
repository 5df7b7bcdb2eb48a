/**
 * The commands that work on the engine's database directly: migrate, reconcile, audit verify.
 * They read the same configuration as serve (DATABASE_URL, DATABASE_SCHEMA, DATA_DIR); on the
 * embedded database they need the engine stopped (PGlite is one process's).
 */
import type { AppConfig } from '../../config.js';
import type { Database } from '../../persistence/database.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import type { CliIo } from '../io.js';
import { configOrCliError } from './config-flags.js';

export const ENV_HELP = `The database comes from the configuration, as for 'serve': DATABASE_URL and DATABASE_SCHEMA,
or else the embedded database under DATA_DIR (default ./data), which needs the engine stopped.`;

/** Loaded on use: pg and PGlite, which the other commands never need. */
async function persistence() {
  const [database, migration, reconciliation, audit] = await Promise.all([
    import('../../persistence/database.js'),
    import('../../persistence/migrate.js'),
    import('../../persistence/reconcile.js'),
    import('../../persistence/audit-verify.js'),
  ]);
  return { ...database, ...migration, ...reconciliation, ...audit };
}
type Persistence = Awaited<ReturnType<typeof persistence>>;

/** Opens the configured database (migrated unless said otherwise), runs `run`, closes it; `config` is the checked configuration. */
export async function withDatabase<T>(io: CliIo, run: (db: Database, p: Persistence, config: AppConfig) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const config = configOrCliError(process.env, {});
  if (config.persistence.mode !== 'durable') throw new CliError('PERSISTENCE=memory: there is no database to work on');
  const cfg = config.persistence;
  const p = await persistence();
  let db: Database;
  try {
    db = await p.openDatabase({ ...(cfg.databaseUrl !== undefined ? { url: cfg.databaseUrl } : {}), schema: cfg.schema, dataDir: config.dataDir, poolSize: 2 });
  } catch (e) {
    if (e instanceof p.DatabaseError) throw new CliError(e.message);
    throw e;
  }
  try {
    if (opts.migrate !== false) {
      const m = await p.migrate(db.pool);
      if (m.applied.length > 0) io.stderr.write(`applied migrations ${m.applied.join(', ')}\n`);
      // Committed batches not yet in the tables (the engine projects them a few ms later, or at
      // its next start) are projected first, so the check sees everything acknowledged.
      await db.pool.query('SELECT journal_apply()');
    }
    return await run(db, p, config);
  } catch (e) {
    if (e instanceof p.MigrationError) throw new CliError(e.message);
    throw e;
  } finally {
    await db.close();
  }
}

export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'apply the database schema migrations (serve does too, at start)',
  description: `Applies the schema migrations the database does not have yet (serve also does at start), then
prints the schema version. ${ENV_HELP}`,
  flags: {},
  run: (_f, io) =>
    withDatabase(io, async (db, p) => {
      const m = await p.migrate(db.pool);
      io.stdout.write(`schema ${db.schema} (${db.kind}) at version ${m.current}; applied now: ${m.applied.length === 0 ? 'none' : m.applied.join(', ')}\n`);
      return ExitCode.Ok;
    }, { migrate: false }),
});

export const reconcileCommand = defineCommand({
  name: 'reconcile',
  summary: 're-derive positions and cash from fills and report differences (exit 1)',
  description: `Re-derives every portfolio's positions and cash from what it was opened with plus its fills, and
compares them with the stored positions and cash. Prints each difference; exit code 1 when there
is one, 0 when the book agrees. ${ENV_HELP}`,
  flags: {
    json: { type: 'boolean', help: 'print the whole result as one JSON object instead of lines' },
  },
  run: (f, io) =>
    withDatabase(io, async (db, p) => {
      const r = await p.reconcile(db.pool);
      if (f.json) io.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        for (const d of r.differences) io.stdout.write(`DIFFERENCE ${d.portfolioId} ${d.item}: stored ${d.stored}, from fills ${d.derived}\n`);
        io.stdout.write(`${r.portfolios} portfolios, ${r.fills} fills: ${r.differences.length === 0 ? 'positions and cash agree with the fills' : `${r.differences.length} difference(s)`}\n`);
      }
      return r.differences.length === 0 ? ExitCode.Ok : ExitCode.DataError;
    }),
});

export const auditCommand = defineCommand({
  name: 'audit',
  subcommand: 'verify',
  summary: "'audit verify': check the audit trail's hash chains, name the first broken record of each",
  description: `Walks the audit trail and checks its hash chains (one per partition, and the control chain of what
belongs to no portfolio), each in order from its start: each record's SHA-256 over its content and the
previous record's hash. Names each broken chain's first broken record; exit code 1 when there is one.
${ENV_HELP}`,
  flags: {},
  run: (_f, io) =>
    withDatabase(io, async (db, p) => {
      const check = await p.verifyAuditTrail(db.pool);
      const chains = check.chains.length;
      if (check.ok) {
        io.stdout.write(`audit trail intact: ${check.records} records in ${chains} chain${chains === 1 ? '' : 's'}\n`);
        return ExitCode.Ok;
      }
      for (const c of check.chains) {
        if (!c.ok) io.stdout.write(`audit trail BROKEN in ${p.chainName(c.chain)} (chain ${c.chain}) at record ${c.brokenSeq}: ${c.reason} (${c.records} records before it verified)\n`);
      }
      const broken = check.chains.filter((c) => !c.ok).length;
      io.stdout.write(`${broken} of ${chains} chains broken; ${check.records} records verified\n`);
      return ExitCode.DataError;
    }),
});
