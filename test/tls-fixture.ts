/**
 * A self-signed certificate for localhost and 127.0.0.1, made at test time with the openssl CLI
 * (Node can make keys but not certificates). Valid one day; it is its own CA, so a client trusts it
 * by passing the certificate itself as `ca`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The same key, encrypted with `passphrase`. */
  readonly encryptedKeyFile: string;
  readonly passphrase: string;
  /** The certificate's PEM, to trust it. */
  readonly ca: Buffer;
  cleanup(): void;
}

export function makeTestCert(cn = 'localhost'): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'risk-engine-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const encryptedKeyFile = join(dir, 'key.enc.pem');
  const passphrase = 'test-passphrase-1234';
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' });
  execFileSync('openssl', ['pkey', '-in', keyFile, '-aes256', '-passout', `pass:${passphrase}`, '-out', encryptedKeyFile], { stdio: 'pipe' });
  return { dir, certFile, keyFile, encryptedKeyFile, passphrase, ca: readFileSync(certFile), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
