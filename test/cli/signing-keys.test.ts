/**
 * `risk-engine signing-keys` and `risk-engine token` as an operator runs them (the built bin, separate
 * processes): keys added, listed and retired in a folder, a running serve trusting a new key and then
 * signing with it without a restart, and `token` refused in production.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as jose from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliRun, runBinIn } from './run-cli.js';
import { serve } from './serve-child.js';

const folders: string[] = [];
function folder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'risk-keys-cli-'));
  folders.push(d);
  return d;
}
afterAll(() => {
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

/** A user's environment in `cwd`: the keys under ./data/signing-keys unless `extra` says otherwise. */
function envFor(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'development', ...extra };
  for (const k of ['SIGNING_KEYS_DIR', 'SIGNING_KEYS_REFRESH_S', 'DATA_DIR', 'PORT', 'HOST', 'RISK_ENGINE_JWT_ISSUER', 'RISK_ENGINE_JWT_AUDIENCE']) if (!(k in extra)) delete env[k];
  return env;
}
const run = (cwd: string, argv: string[], extra: Record<string, string> = {}): Promise<CliRun> => runBinIn(cwd, envFor(extra), argv);

describe('risk-engine signing-keys', () => {
  it('adds keys (0600, sortable ids), lists them oldest first with the signing one marked, and retires an old one', async () => {
    const home = folder();
    const a = await run(home, ['signing-keys', 'add']);
    expect(a).toMatchObject({ code: 0, stderr: '' });
    const first = a.stdout.trim();
    expect(first).toMatch(/^ed25519-\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}$/);
    const second = (await run(home, ['signing-keys', 'add'])).stdout.trim();
    const dir = path.join(home, 'data', 'signing-keys');
    expect(readdirSync(dir).sort()).toEqual([`${first}.pem`, `${second}.pem`]);
    for (const f of readdirSync(dir)) expect(statSync(path.join(dir, f)).mode & 0o077).toBe(0);
    expect(await run(home, ['signing-keys', 'list'])).toMatchObject({ code: 0, stdout: `${first}\n${second}  (newest: signs)\n` });

    expect(await run(home, ['signing-keys', 'retire', second])).toMatchObject({ code: 1, stderr: expect.stringContaining('is the newest key, the one that signs') });
    expect(await run(home, ['signing-keys', 'retire', 'ed25519-20200101T000000.000Z-0000'])).toMatchObject({ code: 1, stderr: expect.stringContaining('no signing key ed25519-20200101T000000.000Z-0000') });
    expect(await run(home, ['signing-keys', 'retire', first])).toMatchObject({ code: 0 });
    expect(await run(home, ['signing-keys', 'retire', second])).toMatchObject({ code: 1, stderr: expect.stringContaining('is the only signing key') });
    expect(readdirSync(dir)).toEqual([`${second}.pem`]);
  });

  it('exits 2 with a usage message for a missing or unknown subcommand', async () => {
    for (const argv of [['signing-keys'], ['signing-keys', 'rotate'], ['signing-keys', 'retire']]) {
      const r = await run(folder(), argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^risk-engine signing-keys: /);
    }
  });

  it('adds the first key of a production directory, where nothing makes one', async () => {
    const keys = path.join(folder(), 'keys');
    const r = await run(folder(), ['signing-keys', 'add'], { NODE_ENV: 'production', SIGNING_KEYS_DIR: keys });
    expect(r.code).toBe(0);
    expect(readdirSync(keys)).toEqual([`${r.stdout.trim()}.pem`]);
  });
});

describe('a key added while serve runs', () => {
  it('is trusted, then signs, without a restart; the old key’s tokens work until it is retired', { timeout: 60_000 }, async () => {
    const home = folder();
    const env = { SIGNING_KEYS_REFRESH_S: '3' };
    const server = await serve(home, envFor(env));
    try {
      const trades = async (token: string) => (await fetch(`http://127.0.0.1:${server.port}/trades`, { headers: { authorization: `Bearer ${token}` } })).status;
      const mint = async () => (await run(home, ['token', '--sub', 'carl', '--roles', 'compliance_officer', '--portfolios', '*'], env)).stdout.trim();
      const before = await mint();
      const oldKid = jose.decodeProtectedHeader(before).kid as string;
      expect(await trades(before)).toBe(200);

      const added = (await run(home, ['signing-keys', 'add'], env)).stdout.trim();
      // Right after: the new key is too young to sign (an engine may not have read it yet).
      expect(jose.decodeProtectedHeader(await mint()).kid).toBe(oldKid);
      await sleep(3200);
      const after = await mint();
      expect(jose.decodeProtectedHeader(after).kid).toBe(added);
      expect(await trades(after)).toBe(200);
      expect(await trades(before)).toBe(200);
      const jwks = (await (await fetch(`http://127.0.0.1:${server.port}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([oldKid, added]);

      expect((await run(home, ['signing-keys', 'retire', oldKid], env)).code).toBe(0);
      await sleep(3200);
      expect(await trades(before)).toBe(401);
      expect(await trades(after)).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('risk-engine token', () => {
  it('grants each role on the portfolios, as a development token (amr dev)', async () => {
    const r = await run(folder(), ['token', '--sub', 'rex', '--roles', 'risk_manager,trader', '--portfolios', 'P1,P2', '--ttl', '60']);
    expect(r.code).toBe(0);
    const claims = jose.decodeJwt(r.stdout.trim());
    expect(claims).toMatchObject({ sub: 'rex', amr: ['dev'], grants: [{ role: 'risk_manager', portfolios: ['P1', 'P2'] }, { role: 'trader', portfolios: ['P1', 'P2'] }] });
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
  });

  it('refuses to run in production, with exit code 1 and why', async () => {
    const keys = path.join(folder(), 'keys');
    await run(folder(), ['signing-keys', 'add'], { SIGNING_KEYS_DIR: keys });
    const r = await run(folder(), ['token', '--sub', 'a', '--roles', 'admin', '--portfolios', '*'], { NODE_ENV: 'production', SIGNING_KEYS_DIR: keys });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^risk-engine token: refused when NODE_ENV=production/);
  });
});
