/**
 * `risk-engine keys rotate` and `keys status`: the master keys of field encryption against the
 * data keys stored in the database (src/persistence/data-key-rotation.ts).
 */
import { defineCommand, defineCommandGroup } from '../command.js';
import { ExitCode } from '../errors.js';
import { ENV_HELP, withDatabase } from './database-commands.js';

/** Loaded on use, like the other database commands' modules. */
const rotation = () => import('../../persistence/data-key-rotation.js');

const KEYS_HELP = `The master keys come from the configuration, as for 'serve': ENCRYPTION_KEY (current) and
ENCRYPTION_KEY_PREVIOUS (older ones, comma-separated). ${ENV_HELP}`;

const rotateCommand = defineCommand({
  name: 'keys',
  subcommand: 'rotate',
  summary: 're-wrap every data key under ENCRYPTION_KEY',
  description: `Re-wraps every user's data key under the current master key (ENCRYPTION_KEY), unwrapping each with
the previous master key its envelope names (ENCRYPTION_KEY_PREVIOUS). No field is re-encrypted:
the data keys stay the same, only their wrapping changes.

Safe while the engine runs, if it is configured with both keys (it reads either wrapping). Each
batch is one transaction: a rotation stopped half way keeps what it committed, and running it
again continues with the rest; keys already under ENCRYPTION_KEY are not touched. Rotate, then
drop the old key from ENCRYPTION_KEY_PREVIOUS once 'keys status' shows no key under it.

A data key that no configured master key opens is left as it is and named with its user on
stdout (FAILED ...); the others are rotated all the same, and the exit code is then 1.

${KEYS_HELP}`,
  flags: {
    batch: { type: 'number', value: 'N', default: 500, integer: true, min: 1, max: 100_000, help: 'data keys per transaction' },
    json: { type: 'boolean', help: 'print the result as one JSON object' },
  },
  run: (f, io) =>
    withDatabase(io, async (db, _p, config) => {
      const { rotateDataKeys } = await rotation();
      const r = await rotateDataKeys(db.pool, config.encryption, { batch: f.batch, onBatch: (n) => io.stderr.write(`re-wrapped ${n} data keys so far\n`) });
      if (f.json) io.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        for (const x of r.failed) io.stdout.write(`FAILED user ${x.userId}: ${x.code}: ${x.message}\n`);
        io.stdout.write(`master key ${r.currentMasterKeyId} (ENCRYPTION_KEY): ${r.rewrapped} data keys re-wrapped, ${r.alreadyCurrent} already under it, ${r.failed.length} failed\n`);
      }
      return r.failed.length === 0 ? ExitCode.Ok : ExitCode.DataError;
    }),
});

const statusCommand = defineCommand({
  name: 'keys',
  subcommand: 'status',
  summary: 'how many data keys each master key wraps',
  description: `Prints, per master key id, how many users' data keys it wraps and whether the configuration has
it as the current key (ENCRYPTION_KEY), a previous one (ENCRYPTION_KEY_PREVIOUS), or not at all
(unknown: those keys cannot be opened; exit code 1). ${KEYS_HELP}`,
  flags: {
    json: { type: 'boolean', help: 'print the lines as one JSON array' },
  },
  run: (f, io) =>
    withDatabase(io, async (db, _p, config) => {
      const { dataKeyStatus } = await rotation();
      const lines = await dataKeyStatus(db.pool, config.encryption);
      if (f.json) io.stdout.write(`${JSON.stringify(lines)}\n`);
      else for (const l of lines) io.stdout.write(`${l.masterKeyId} ${l.role.padEnd(8)} ${l.dataKeys} data keys\n`);
      return lines.some((l) => l.role === 'unknown' && l.dataKeys > 0) ? ExitCode.DataError : ExitCode.Ok;
    }),
});

export const keysCommand = defineCommandGroup({
  name: 'keys',
  summary: "'keys rotate', 'keys status': the master keys of field encryption",
  description: `The master keys that wrap the users' data keys (field encryption of personal data).`,
  commands: [rotateCommand, statusCommand],
});
