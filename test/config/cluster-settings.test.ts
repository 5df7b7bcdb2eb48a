/**
 * The scale-out settings (docs/SCALE-OUT.md "Settings"): their defaults, and bad values refused at
 * start with each variable named, alongside the other problems.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { addKeyFile } from '../../src/gateway/signing-keys.js';

const dataDir = mkdtempSync(join(tmpdir(), 'risk-engine-cluster-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const keysDir = join(dataDir, 'keys');
addKeyFile(keysDir, Date.now());
const base = { DATA_DIR: dataDir, SIGNING_KEYS_DIR: keysDir, ENCRYPTION_KEY: randomBytes(32).toString('base64') };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
}

describe('the scale-out settings', () => {
  it('default to host:pid, 256 partitions, a 3 s session timeout, a 200 ms poll and a 2 s wait, with no secret or endpoint', () => {
    expect(loadConfig(base).cluster).toEqual({ engineId: `${hostname()}:${process.pid}`, partitions: 256, sessionTimeoutMs: 3000, pollMs: 200, moveWaitMs: 2000 });
  });

  it('take what is set', () => {
    const c = loadConfig({
      ...base, ENGINE_ID: 'engine-a', PARTITIONS: '64', CLUSTER_SESSION_TIMEOUT_MS: '5000', CLUSTER_POLL_MS: '50', CLUSTER_MOVE_WAIT_MS: '0',
      CLUSTER_SECRET: 's'.repeat(16), CLUSTER_ENDPOINT: 'https://10.0.0.5:8443',
    }).cluster;
    expect(c).toEqual({ engineId: 'engine-a', partitions: 64, sessionTimeoutMs: 5000, pollMs: 50, moveWaitMs: 0, secret: 's'.repeat(16), endpoint: 'https://10.0.0.5:8443' });
  });

  it('refuse bad values, naming each variable', () => {
    const problems = problemsOf({
      ...base, ENGINE_ID: 'has space', PARTITIONS: '0', CLUSTER_SESSION_TIMEOUT_MS: '10', CLUSTER_POLL_MS: 'often', CLUSTER_SECRET: 'short',
      CLUSTER_ENDPOINT: 'ws://host:1/path', PORT: 'x',
    });
    for (const name of ['ENGINE_ID', 'PARTITIONS', 'CLUSTER_SESSION_TIMEOUT_MS', 'CLUSTER_POLL_MS', 'CLUSTER_SECRET', 'CLUSTER_ENDPOINT', 'PORT']) {
      expect(problems.some((p) => p.startsWith(name)), `${name} in ${JSON.stringify(problems)}`).toBe(true);
    }
    expect(problemsOf({ ...base, PARTITIONS: '4097' }).some((p) => p.startsWith('PARTITIONS'))).toBe(true);
    expect(problemsOf({ ...base, ENGINE_ID: 'x'.repeat(129) }).some((p) => p.startsWith('ENGINE_ID'))).toBe(true);
  });
});
