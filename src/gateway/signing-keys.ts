/**
 * The Ed25519 signing keys of the engine's tokens, kept as files in one directory: one PKCS#8 PEM per
 * key, named `<kid>.pem`, mode 0600. The key id starts with its creation time, so the ids sort in the
 * order the keys were made.
 *
 * Rotation without logging anyone out: every key in the directory verifies (and is published in the
 * JWKS); the newest signs. A new key (`risk-engine signing-keys add`) is picked up on the next re-read
 * and signs only once its file is `refreshMs` old: by then every engine reading the same directory
 * trusts it, so no engine meets a token signed with a key it has not loaded yet. A key keeps verifying
 * until its file is removed (`retire`), which ends the tokens it signed.
 */
import { type KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIGNING_KEYS_DEFAULTS = Object.freeze({
  /** How often the directory is re-read, and how old a new key must be before it signs (SIGNING_KEYS_REFRESH_S). */
  refreshMs: 10_000,
});

/**
 * `ed25519-20261206T183000.123Z-1a2b`: the algorithm, the UTC creation time to the millisecond (so two
 * keys made in one second still sort in the order they were made), 4 random hex digits.
 */
export const KID_PATTERN = /^ed25519-\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}$/;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as published: kty, crv, x, with kid, alg and use. */
  readonly jwk: Readonly<Record<string, unknown>>;
  /** When the key's file was written (its mtime), epoch ms. */
  readonly fileMs: number;
}

/** The directory cannot give a usable key; each problem names the file (or the directory) at fault. */
export class SigningKeyError extends Error {
  readonly code = 'SIGNING_KEYS_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'SigningKeyError';
  }
}

/** A fresh key id for a key made at `nowMs`. */
export function newKid(nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '');
  return `ed25519-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Every key file of `dir`, sorted oldest first, and what is wrong with the others. A missing directory is a problem. */
export function readKeyDir(dir: string): { readonly keys: readonly SigningKey[]; readonly problems: readonly string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    return { keys: [], problems: [`${dir}: cannot read the signing-key directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`] };
  }
  const keys: SigningKey[] = [];
  const problems: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.pem')).sort()) {
    const file = join(dir, name);
    const kid = name.slice(0, -'.pem'.length);
    if (!KID_PATTERN.test(kid)) {
      problems.push(`${file}: not named <kid>.pem with a kid like ed25519-20261206T183000.123Z-1a2b`);
      continue;
    }
    const r = readKeyFile(file, kid);
    if (typeof r === 'string') problems.push(r);
    else keys.push(r);
  }
  if (keys.length === 0 && problems.length === 0) problems.push(`${dir}: holds no signing key (<kid>.pem); add one with 'risk-engine signing-keys add'`);
  return { keys, problems };
}

function readKeyFile(file: string, kid: string): SigningKey | string {
  let pem: Buffer;
  let fileMs: number;
  try {
    pem = readFileSync(file);
    fileMs = statSync(file).mtimeMs;
  } catch (e) {
    return `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return `${file}: holds no PEM private key`;
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') return `${file}: is a ${privateKey.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`;
  const publicKey = createPublicKey(privateKey);
  const jwk = Object.freeze({ ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' });
  return { kid, privateKey, publicKey, jwk, fileMs };
}

/** Writes a new key to `dir` (created 0700 if missing) as `<kid>.pem`, mode 0600; never overwrites. */
export function addKeyFile(dir: string, nowMs: number): SigningKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const kid = newKid(nowMs);
  const file = join(dir, `${kid}.pem`);
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  // The mode given to writeFileSync passes through the umask; the key must not be readable by others whatever it is.
  chmodSync(file, 0o600);
  const key = readKeyFile(file, kid);
  if (typeof key === 'string') throw new SigningKeyError([key]);
  return key;
}

/** Removes a key's file: tokens it signed are refused from the next re-read on. The newest (signing) key is refused. */
export function retireKeyFile(dir: string, kid: string): void {
  const { keys, problems } = readKeyDir(dir);
  if (keys.length === 0) throw new SigningKeyError(problems);
  if (!keys.some((k) => k.kid === kid)) throw new SigningKeyError([`${dir}: no signing key ${kid}`]);
  if (keys.length === 1) throw new SigningKeyError([`${kid} is the only signing key; add another first`]);
  const newest = keys[keys.length - 1] as SigningKey;
  if (newest.kid === kid) throw new SigningKeyError([`${kid} is the newest key, the one that signs; add a newer key first`]);
  unlinkSync(join(dir, `${kid}.pem`));
}

export interface SigningKeyRingOptions {
  readonly dir: string;
  /** Re-read interval and the age a key's file must reach before it signs. */
  readonly refreshMs?: number;
  /** A re-read found something wrong (the last good keys stay in use). */
  readonly onProblem?: (problems: readonly string[]) => void;
  readonly clock?: { nowMs(): number };
}

/**
 * The keys of one directory, re-read at most every `refreshMs` when they are asked for (signing,
 * verifying a token of an unknown kid, the JWKS), so no timer is needed to stop at shutdown.
 */
export class SigningKeyRing {
  readonly dir: string;
  readonly refreshMs: number;
  /** Rises whenever the set of keys changes, so caches of verified tokens know to start over. */
  version = 0;
  private keys: readonly SigningKey[];
  private byKid: ReadonlyMap<string, SigningKey>;
  private readAtMs: number;
  /** Told what a re-read found wrong (the composition root logs it); the last good keys stay in use. */
  onProblem: (problems: readonly string[]) => void;
  private readonly clock: { nowMs(): number };

  private constructor(opts: SigningKeyRingOptions, keys: readonly SigningKey[]) {
    this.dir = opts.dir;
    this.refreshMs = opts.refreshMs ?? SIGNING_KEYS_DEFAULTS.refreshMs;
    this.onProblem = opts.onProblem ?? (() => {});
    this.clock = opts.clock ?? { nowMs: () => Date.now() };
    this.keys = keys;
    this.byKid = new Map(keys.map((k) => [k.kid, k]));
    this.readAtMs = this.clock.nowMs();
  }

  /**
   * Loads the directory. `createIfEmpty` (development): a missing or empty directory gets a fresh key.
   * Otherwise, and always for an unreadable or non-Ed25519 file, a SigningKeyError says which.
   */
  static open(opts: SigningKeyRingOptions & { readonly createIfEmpty: boolean }): SigningKeyRing {
    let r = readKeyDir(opts.dir);
    if (r.keys.length === 0 && opts.createIfEmpty && r.problems.every((p) => p.startsWith(`${opts.dir}:`))) {
      addKeyFile(opts.dir, (opts.clock ?? { nowMs: () => Date.now() }).nowMs());
      r = readKeyDir(opts.dir);
    }
    if (r.problems.length > 0 || r.keys.length === 0) throw new SigningKeyError(r.problems);
    return new SigningKeyRing(opts, r.keys);
  }

  /** Re-reads the directory now. Without any valid key the last keys are kept (a transient mount problem must not log everyone out). */
  refresh(): void {
    this.readAtMs = this.clock.nowMs();
    const r = readKeyDir(this.dir);
    if (r.problems.length > 0) this.onProblem(r.problems);
    if (r.keys.length === 0) return;
    const changed = r.keys.length !== this.keys.length || r.keys.some((k, i) => k.kid !== this.keys[i]?.kid);
    this.keys = r.keys;
    this.byKid = new Map(r.keys.map((k) => [k.kid, k]));
    if (changed) this.version += 1;
  }

  /** Re-reads the directory when the last read is refreshMs old (cheap otherwise: one clock read). */
  refreshIfDue(): void {
    if (this.clock.nowMs() - this.readAtMs >= this.refreshMs) this.refresh();
  }

  /** The key that signs now: the newest whose file is at least refreshMs old, or the newest when none is. */
  signingKey(): SigningKey {
    this.refreshIfDue();
    const now = this.clock.nowMs();
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i] as SigningKey;
      if (now - k.fileMs >= this.refreshMs) return k;
    }
    return this.keys[this.keys.length - 1] as SigningKey;
  }

  /** The key of `kid`, if the directory holds it (as of the last re-read). */
  find(kid: string): SigningKey | undefined {
    this.refreshIfDue();
    return this.byKid.get(kid);
  }

  /** Every trusted public key, oldest first. */
  publicJwks(): readonly Readonly<Record<string, unknown>>[] {
    this.refreshIfDue();
    return this.keys.map((k) => k.jwk);
  }

  /** The key ids, oldest first. */
  kids(): readonly string[] {
    return this.keys.map((k) => k.kid);
  }
}
