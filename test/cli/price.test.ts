import { describe, expect, it } from 'vitest';
import { jsonLines, runBin, runCli } from './run-cli.js';

const atm = { type: 'call', spot: 100, strike: 100, t: 1, rate: 0.05, dividendYield: 0, vol: 0.2 };
const line = (o: object): string => JSON.stringify(o);

describe('risk-engine price', () => {
  it('prices a European call with the Hull/Haug textbook value and every Greek under the documented names', async () => {
    const r = await runCli(['price'], line(atm) + '\n');
    expect(r.code).toBe(0);
    const [out] = jsonLines(r.stdout);
    // S=K=100, T=1, r=5%, sigma=20%: C = 10.450583572185565 (closed form, Hull, Options Futures and Other Derivatives).
    expect(out!.price).toBeCloseTo(10.450583572185565, 12);
    expect(Object.keys(out!)).toEqual(['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga', 'charm']);
    expect(out!.delta).toBeCloseTo(0.6368306511756191, 12);
    expect(out!.theta as number).toBeLessThan(0);
  });

  it('answers an implied-volatility request when a line has a price and no vol', async () => {
    const r = await runCli(['price'], line({ ...atm, vol: undefined, price: 10.450583572185565 }) + '\n');
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)[0]!.impliedVol).toBeCloseTo(0.2, 10);
  });

  it('says a price below intrinsic value has no implied volatility instead of returning a number', async () => {
    const r = await runCli(['price'], line({ type: 'call', spot: 120, strike: 100, t: 0.5, rate: 0.01, price: 5 }) + '\n');
    expect(r.code).toBe(1);
    const [out] = jsonLines(r.stdout);
    expect(out!.impliedVol).toBeUndefined();
    expect(out!.code).toBe('BELOW_INTRINSIC');
    expect(out!.line).toBe(1);
  });

  it('reports each bad line with its number, keeps going, and exits 1', async () => {
    const input = [
      line(atm),
      '{not json',
      line({ ...atm, spot: undefined }),
      line({ ...atm, vol: -0.2 }),
      line({ ...atm, t: -1 }),
      '{"type":"call","spot":"NaN","strike":100,"t":1,"rate":0.05,"vol":0.2}',
      line({ ...atm, type: 'straddle' }),
      '',
      line({ ...atm, vol: undefined }),
      line(atm),
    ].join('\n');
    const r = await runCli(['price'], input + '\n');
    expect(r.code).toBe(1);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(10);
    expect(out[0]!.price).toBeCloseTo(10.4505835721856, 10);
    for (let i = 1; i <= 8; i++) {
      expect(out[i]!.line).toBe(i + 1);
      expect(typeof out[i]!.error).toBe('string');
      expect(out[i]!.price).toBeUndefined();
    }
    expect(out[2]!.error).toMatch(/spot/);
    expect(out[3]!.error).toMatch(/vol/);
    expect(out[4]!.error).toMatch(/\bt\b/);
    expect(out[9]!.price).toBeCloseTo(10.4505835721856, 10);
  });

  it('prints its usage with --help', async () => {
    const r = await runCli(['price', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: risk-engine price/);
  });

  it('runs as the installed bin over a pipe, streaming many lines in order', async () => {
    const n = 20_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(line({ ...atm, strike: 50 + (i % 100) }));
    const r = await runBin(['price'], lines.join('\n') + '\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(n);
    // Deeper in the money means a dearer call: order is preserved line by line.
    expect(out[0]!.price as number).toBeGreaterThan(out[99]!.price as number);
    expect(out[100]!.price).toBe(out[0]!.price);
  });
});

describe('risk-engine', () => {
  it('rejects an unknown command with exit code 2 and the command list', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
    expect(r.stderr).toMatch(/price/);
  });

  it('rejects an unknown flag with exit code 2', async () => {
    const r = await runCli(['price', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bogus|bogus/);
  });
});

describe('risk-engine price as a pipe', () => {
  it('answers a line before its input ends, so a program can ask and wait', async () => {
    const { spawn } = await import('node:child_process');
    const { repoRoot } = await import('./run-cli.js');
    const child = spawn(process.execPath, ['bin/risk-engine.js', 'price'], { cwd: repoRoot });
    child.stdin.write(JSON.stringify(atm) + '\n');
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString('utf8'))));
    expect(JSON.parse(first.trim()).price).toBeCloseTo(10.450583572185565, 12);
    let rest = '';
    child.stdout.on('data', (c: Buffer) => (rest += c.toString('utf8')));
    const code = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.end(JSON.stringify({ ...atm, type: 'put' }) + '\n');
    expect(await code).toBe(0);
    expect(jsonLines(rest)).toHaveLength(1);
  });
});
