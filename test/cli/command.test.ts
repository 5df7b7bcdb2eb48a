import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defineCommand, defineCommandGroup } from '../../src/cli/command.js';
import { CliError, ExitCode } from '../../src/cli/errors.js';
import { commands, mainHelp } from '../../src/cli/main.js';
import { repoRoot, runBin, runCli } from './run-cli.js';

const packageJson = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };

/** In-process io whose stdout is collected. */
function io(): { io: { stdin: Readable; stdout: PassThrough; stderr: PassThrough }; out: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  return { io: { stdin: Readable.from([]), stdout, stderr: new PassThrough() }, out: () => Buffer.concat(chunks).toString('utf8') };
}

const sample = defineCommand({
  name: 'sample',
  summary: 'a command for the tests',
  description: 'Does nothing useful.',
  flags: {
    input: { type: 'string', value: 'FILE', required: true, help: 'file to read' },
    level: { type: 'number', value: 'P', default: 0.9, min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, help: 'a probability' },
    mode: { type: 'choice', value: 'M', choices: ['fast', 'exact'], default: 'exact', help: 'fast | exact' },
    tag: { type: 'string', value: 'T', help: 'a label\nover two lines' },
    live: { type: 'boolean', help: 'keep going' },
    rate: { type: 'number', value: 'N', default: 5, integer: true, min: 1, onlyWith: 'live', help: 'updates per second' },
  },
  footer: 'Example:\n  risk-engine sample --input a.json',
  run: async (f, out) => {
    out.stdout.write(JSON.stringify(f));
    return ExitCode.Ok;
  },
});

async function sampleRun(argv: string[]): Promise<unknown> {
  const s = io();
  await sample.run(argv, s.io);
  return JSON.parse(s.out());
}

async function usageMessage(argv: string[]): Promise<string> {
  const e: unknown = await sample.run(argv, io().io).catch((err: unknown) => err);
  if (!(e instanceof CliError)) throw new Error(`expected a CliError for ${argv.join(' ')}`);
  expect(e.exitCode).toBe(ExitCode.Usage);
  return e.message;
}

describe('defineCommand', () => {
  it('writes the usage line, options, defaults and required marks of --help from the declaration', () => {
    expect(sample.help).toBe(`Usage: risk-engine sample --input FILE [--level 0.9] [--mode exact] [--tag T] [--live [--rate 5]]

Does nothing useful.

Options:
  --input FILE   file to read (required)
  --level P      a probability, default 0.9
  --mode M       fast | exact, default exact
  --tag T        a label
                 over two lines
  --live         keep going
  --rate N       updates per second, default 5

Example:
  risk-engine sample --input a.json
`);
  });

  it('prints the help for --help and -h, with exit code 0', async () => {
    for (const flag of ['--help', '-h']) {
      const s = io();
      expect(await sample.run([flag], s.io)).toBe(ExitCode.Ok);
      expect(s.out()).toBe(sample.help);
    }
  });

  it('hands run the values typed and defaulted as declared', async () => {
    expect(await sampleRun(['--input', 'a.json'])).toEqual({ input: 'a.json', level: 0.9, mode: 'exact', live: false, rate: 5 });
    expect(await sampleRun(['--input', 'a.json', '--level', '0.5', '--mode', 'fast', '--tag', 'x', '--live', '--rate', '2']))
      .toEqual({ input: 'a.json', level: 0.5, mode: 'fast', tag: 'x', live: true, rate: 2 });
  });

  it('turns every bad command line into a usage error naming the command and the flag', async () => {
    expect(await usageMessage([])).toBe("sample: --input is required. See 'risk-engine sample --help'.");
    expect(await usageMessage(['--input', ''])).toBe("sample: --input is required. See 'risk-engine sample --help'.");
    expect(await usageMessage(['--input', 'a', '--bogus'])).toMatch(/^sample: Unknown option '--bogus'\. See 'risk-engine sample --help'\.$/);
    expect(await usageMessage(['--input', 'a', 'stray'])).toMatch(/^sample: Unexpected argument 'stray'/);
    expect(await usageMessage(['--input', 'a', '--level', '1'])).toBe('sample: --level must be a number > 0 < 1, got "1"');
    expect(await usageMessage(['--input', 'a', '--level', ' '])).toBe('sample: --level must be a number > 0 < 1, got " "');
    expect(await usageMessage(['--input', 'a', '--mode', 'slow'])).toBe('sample: --mode must be one of fast, exact, got "slow"');
    expect(await usageMessage(['--input', 'a', '--rate', '2'])).toBe('sample: --rate goes with --live');
    expect(await usageMessage(['--input', 'a', '--live', '--rate', '1.5'])).toBe('sample: --rate must be an integer >= 1, got "1.5"');
  });

  it('reports a bad value before a missing required flag', async () => {
    expect(await usageMessage(['--level', '7'])).toMatch(/--level must be/);
  });

  it('requires its subcommand word before the flags', async () => {
    const sub = defineCommand({ name: 'check', subcommand: 'all', summary: 's', description: 'Checks.', flags: {}, run: async () => ExitCode.Ok });
    expect(sub.help).toBe('Usage: risk-engine check all\n\nChecks.\n');
    expect(await sub.run(['all'], io().io)).toBe(ExitCode.Ok);
    await expect(sub.run(['some'], io().io)).rejects.toThrow(/^check: expected the subcommand "all", got "some"\n\nUsage: risk-engine check all/);
    await expect(sub.run(['all', '--x'], io().io)).rejects.toThrow("check all: Unknown option '--x'. See 'risk-engine check all --help'.");
  });
});

describe('a command group', () => {
  const ran: string[] = [];
  const sub = (word: string) => defineCommand({
    name: 'keys', subcommand: word, summary: `does ${word}`, description: `Does ${word}.`,
    flags: { loud: { type: 'boolean', help: 'louder' } }, run: async (f) => { ran.push(`${word}${f.loud ? '!' : ''}`); return ExitCode.Ok; },
  });
  const group = defineCommandGroup({ name: 'keys', summary: 'the keys', description: 'Keys.', commands: [sub('rotate'), sub('status')] });

  it('runs the subcommand its first word names, with that subcommand\'s flags', async () => {
    expect(await group.run(['status', '--loud'], io().io)).toBe(ExitCode.Ok);
    expect(await group.run(['rotate'], io().io)).toBe(ExitCode.Ok);
    expect(ran).toEqual(['status!', 'rotate']);
  });

  it('lists its subcommands in its help, and refuses a missing or unknown one as a usage error', async () => {
    expect(group.help).toBe("Usage: risk-engine keys <rotate|status> [options]\n\nKeys.\n\nSubcommands:\n  rotate  does rotate\n  status  does status\n\nRun 'risk-engine keys <subcommand> --help' for its options.\n");
    const h = io();
    expect(await group.run(['--help'], h.io)).toBe(ExitCode.Ok);
    expect(h.out()).toBe(group.help);
    await expect(group.run([], io().io)).rejects.toMatchObject({ exitCode: ExitCode.Usage, message: expect.stringMatching(/^keys: expected a subcommand \(rotate, status\)\n/) });
    await expect(group.run(['spin'], io().io)).rejects.toMatchObject({ exitCode: ExitCode.Usage, message: expect.stringMatching(/^keys: expected a subcommand \(rotate, status\), got "spin"/) });
  });
});

describe('every command of risk-engine', () => {
  it.each(commands.map((c) => [c.name, c] as const))('%s prints the help written from its definition', async (name, command) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(command.help);
    expect(r.stdout).toMatch(new RegExp(`^Usage: risk-engine ${name}\\b`));
    for (const [flag, spec] of Object.entries(command.flags)) {
      const entry = new RegExp(`^  --${flag}\\b.*$`, 'm').exec(r.stdout);
      expect(entry, `--${flag} in the options of ${name}`).not.toBeNull();
      const text = r.stdout.slice(entry!.index).split('\n  --')[0]!;
      if (spec.type === 'string' && spec.required === true) expect(text).toContain('(required)');
      if ((spec.type === 'number' || spec.type === 'choice') && spec.default !== undefined) expect(text).toContain(`default ${String(spec.default)}`);
    }
    expect(mainHelp).toContain(`  ${name.padEnd(10)} ${command.summary}`);
  });
});

describe('risk-engine --version', () => {
  it("prints package.json's version with exit code 0, as --version and -v", async () => {
    for (const flag of ['--version', '-v']) {
      expect(await runCli([flag])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
    }
  });

  it('prints the same version from the built CLI', async () => {
    expect(await runBin(['--version'])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });
});
