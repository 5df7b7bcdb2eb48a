/**
 * `risk-engine signing-keys add|list|retire <kid>`: the token signing keys in SIGNING_KEYS_DIR (default
 * <DATA_DIR>/signing-keys). Works on the directory alone, without the rest of the configuration, so
 * production can make its first key before the engine will start. A running engine picks changes up
 * on its next re-read (SIGNING_KEYS_REFRESH_S).
 */
import { signingKeysDir } from '../../config.js';
import { SigningKeyError, addKeyFile, readKeyDir, retireKeyFile } from '../../gateway/signing-keys.js';
import type { Command } from '../command.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode, usageError } from '../errors.js';

const WHERE = `The directory is SIGNING_KEYS_DIR, or <DATA_DIR>/signing-keys (DATA_DIR default ./data).`;

const add = defineCommand({
  name: 'signing-keys',
  subcommand: 'add',
  summary: 'add a token signing key',
  description: `Makes a new Ed25519 signing key (<kid>.pem, mode 0600) and prints its key id. Running engines
trust it at their next re-read and sign with it once its file is SIGNING_KEYS_REFRESH_S old; tokens
signed by the older keys keep verifying while their files exist. ${WHERE}`,
  flags: {},
  async run(_f, io) {
    const key = addKeyFile(signingKeysDir(process.env), Date.now());
    io.stdout.write(`${key.kid}\n`);
    return ExitCode.Ok;
  },
});

const list = defineCommand({
  name: 'signing-keys',
  subcommand: 'list',
  summary: 'list the token signing keys',
  description: `Prints each key id, oldest first, one a line, the newest (the one that signs) marked. A file
that is not a valid key is reported on stderr and makes the exit code 1. ${WHERE}`,
  flags: {},
  async run(_f, io) {
    const { keys, problems } = readKeyDir(signingKeysDir(process.env));
    keys.forEach((k, i) => io.stdout.write(`${k.kid}${i === keys.length - 1 ? '  (newest: signs)' : ''}\n`));
    for (const p of problems) io.stderr.write(`signing-keys list: ${p}\n`);
    return problems.length > 0 ? ExitCode.DataError : ExitCode.Ok;
  },
});

const retire = defineCommand({
  name: 'signing-keys',
  subcommand: 'retire',
  usage: 'KID',
  summary: 'retire a token signing key',
  description: `Deletes the key's file: from the engines' next re-read on, tokens it signed are refused (their
holders sign in again). The newest key, the one that signs, and the only key are refused. ${WHERE}`,
  flags: { kid: { type: 'string', value: 'KID', required: true, help: 'the key id to retire (may also follow retire alone)' } },
  async run(f) {
    retireKeyFile(signingKeysDir(process.env), f.kid);
    return ExitCode.Ok;
  },
});

const SUBCOMMANDS: Readonly<Record<string, Command>> = { add, list, retire };

const help = `Usage: risk-engine signing-keys add | list | retire KID

Manages the Ed25519 keys that sign the engine's tokens. ${WHERE}
Run 'risk-engine signing-keys <add|list|retire> --help' for each.
`;

export const signingKeysCommand: Command = {
  name: 'signing-keys',
  summary: 'add, list or retire the token signing keys',
  flags: {},
  help,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(help);
      return ExitCode.Ok;
    }
    const command = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (command === undefined) throw usageError(`signing-keys: expected add, list or retire${sub === undefined ? '' : `, got "${sub}"`}\n\n${help}`);
    // `retire KID`: the key id as a bare word, as people type it.
    const args = sub === 'retire' && rest[0] !== undefined && !rest[0].startsWith('-') ? ['--kid', ...rest] : rest;
    try {
      return await command.run([sub as string, ...args], io);
    } catch (e) {
      if (e instanceof SigningKeyError) throw new CliError(e.message);
      throw e;
    }
  },
};
