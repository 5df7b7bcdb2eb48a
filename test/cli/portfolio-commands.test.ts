import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { PRICES_DIR, repoRoot, runBin, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'risk-engine-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writePortfolio = (name: string, content: string | object): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
};

const spyStock = { asOf: '2014-12-31', rate: 0.01, positions: [{ instrument: 'SPY', qty: 100 }] };
const gspcStock = { asOf: '2014-12-31', rate: 0.01, positions: [{ instrument: 'GSPC', qty: 1 }] };

/** SPY closes up to 2014-12-31 (SPY has no adj_close, so returns come from close) and the close that day, read straight from the CSV. */
function spySeries(): { closes: number[]; close: number } {
  const rows = readFileSync(join(PRICES_DIR, 'SPY.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const upTo = rows.filter((r) => r[0]! <= '2014-12-31');
  return { closes: upTo.map((r) => Number(r[4])), close: Number(upTo[upTo.length - 1]![4]) };
}

describe('risk-engine var', () => {
  it('gives the historical VaR and ES of 100 SPY shares that an independent computation from the CSV gives', async () => {
    const r = await runCli(['var', '--portfolio', writePortfolio('spy.json', spyStock), '--prices', PRICES_DIR]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ method: 'historical', confidence: 0.99, horizonDays: 1, window: 500, scenarios: 500 });

    const { closes, close } = spySeries();
    const losses: number[] = [];
    for (let i = closes.length - 500; i < closes.length; i++) losses.push(-100 * close * (closes[i]! / closes[i - 1]! - 1));
    losses.sort((a, b) => b - a);
    // VaR 99% over 500 scenarios: the 6th largest loss (inverse empirical CDF, docs/RISK-METHODS.md).
    expect(out.var).toBeCloseTo(losses[5]!, 8);
    // ES 97.5%: the mean of the worst 12.5 losses (Acerbi–Tasche), half weight on the 13th.
    const es = (losses.slice(0, 12).reduce((a, b) => a + b, 0) + 0.5 * losses[12]!) / 12.5;
    expect(out.es).toBeCloseTo(es, 8);
  });

  it('runs every method on a multi-underlying option book from the samples', async () => {
    for (const method of ['historical', 'dgv', 'parametric', 'montecarlo']) {
      const r = await runCli(['var', '--portfolio', join(repoRoot, 'samples/portfolio-index.json'), '--prices', PRICES_DIR, '--method', method, '--paths', '2000']);
      expect(r.stderr, method).toBe('');
      const out = JSON.parse(r.stdout);
      expect(out.method).toBe(method);
      expect(out.var).toBeGreaterThan(0);
      expect(out.es).toBeGreaterThan(0);
    }
  });

  it('reproduces a Monte Carlo VaR from the same seed and changes with another', async () => {
    const args = ['var', '--portfolio', join(repoRoot, 'samples/portfolio-spy.json'), '--prices', PRICES_DIR, '--method', 'montecarlo', '--paths', '5000'];
    const a = JSON.parse((await runCli([...args, '--seed', '42'])).stdout);
    const b = JSON.parse((await runCli([...args, '--seed', '42'])).stdout);
    const c = JSON.parse((await runCli([...args, '--seed', '43'])).stdout);
    expect(a.var).toBe(b.var);
    expect(c.var).not.toBe(a.var);
  });

  it('names the file and line of malformed JSON', async () => {
    const path = writePortfolio('broken.json', '{\n  "asOf": "2014-12-31",\n  "rate": 0.01,\n  "positions": [ {"instrument": "SPY" "qty": 1} ]\n}\n');
    const r = await runCli(['var', '--portfolio', path, '--prices', PRICES_DIR]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}:4`);
    expect(r.stdout).toBe('');
  });

  it('names the field and line of a missing, negative or non-numeric value', async () => {
    const cases: [object, RegExp][] = [
      [{ asOf: '2014-12-31', positions: spyStock.positions }, /rate/],
      [{ ...spyStock, positions: [{ instrument: 'SPY   150320P00185000', qty: -10, vol: -0.25 }] }, /positions\.0\.vol/],
      [{ ...spyStock, positions: [{ instrument: 'SPY   150320P00185000', qty: -10 }] }, /needs "vol"/],
      [{ ...spyStock, positions: [{ instrument: 'SPY', qty: 'NaN' }] }, /positions\.0\.qty/],
      [{ ...spyStock, asOf: '2014-02-30' }, /asOf/],
      [{ ...spyStock, positions: [{ instrument: 'not a symbol!', qty: 1 }] }, /neither a ticker/],
      [{ ...spyStock, positions: [{ instrument: 'SPY   140321P00185000', qty: 1, vol: 0.2 }] }, /expired/],
    ];
    for (const [content, pattern] of cases) {
      const path = writePortfolio('bad.json', content);
      const r = await runCli(['var', '--portfolio', path, '--prices', PRICES_DIR]);
      expect(r.code, JSON.stringify(content)).toBe(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
      expect(r.stdout).toBe('');
    }
  });

  it('names the ticker, the price file and the portfolio line when a price file is missing', async () => {
    const path = writePortfolio('msft.json', { ...spyStock, positions: [{ instrument: 'SPY', qty: 1 }, { instrument: 'MSFT', qty: 5 }] });
    const r = await runCli(['var', '--portfolio', path, '--prices', PRICES_DIR]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MSFT/);
    expect(r.stderr).toContain(join(PRICES_DIR, 'MSFT.csv'));
    expect(r.stderr).toMatch(/msft\.json:\d+/);
  });

  it('names the price file and line of a bad price row', async () => {
    // GSPC: a file with both close and adj_close, so either column can be the bad one.
    const prices = mkdtempSync(join(dir, 'prices-'));
    const lines = readFileSync(join(PRICES_DIR, 'GSPC.csv'), 'utf8').split('\n');
    lines[10] = lines[10]!.replace(/,([\d.]+),([\d.]+),(\d+)$/, ',$1,abc,$3');
    lines[20] = lines[20]!.replace(/,([\d.]+),([\d.]+),(\d+)$/, ',-1,$2,$3');
    writeFileSync(join(prices, 'GSPC.csv'), lines.join('\n'));
    const r = await runCli(['var', '--portfolio', writePortfolio('gspc.json', gspcStock), '--prices', prices]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(prices, 'GSPC.csv')}:11`);
    expect(r.stderr).toMatch(/adj_close "abc"/);
    lines[10] = readFileSync(join(PRICES_DIR, 'GSPC.csv'), 'utf8').split('\n')[10]!;
    writeFileSync(join(prices, 'GSPC.csv'), lines.join('\n'));
    const r2 = await runCli(['var', '--portfolio', join(dir, 'gspc.json'), '--prices', prices]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`${join(prices, 'GSPC.csv')}:21: close "-1"`);
  });

  it('says how much history is missing when the window is longer than the file', async () => {
    const r = await runCli(['var', '--portfolio', writePortfolio('spy3.json', spyStock), '--prices', PRICES_DIR, '--window', '9000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INSUFFICIENT_HISTORY/);
  });

  it('rejects out-of-range flags with exit code 2', async () => {
    const p = writePortfolio('spy4.json', spyStock);
    for (const flags of [['--confidence', '1.5'], ['--confidence', 'NaN'], ['--window', '-3'], ['--horizon-days', '0.5'], ['--method', 'magic']]) {
      const r = await runCli(['var', '--portfolio', p, '--prices', PRICES_DIR, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--(confidence|window|horizon-days|method)/);
    }
    const missing = await runCli(['var', '--prices', PRICES_DIR]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--portfolio is required/);
  });
});

describe('risk-engine backtest', () => {
  it('backtests a real SPY book over 250 days with a Basel zone', async () => {
    const r = await runCli(['backtest', '--portfolio', join(repoRoot, 'samples/portfolio-spy.json'), '--prices', PRICES_DIR]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['days', 'exceptions', 'kupiecLR', 'kupiecPValue', 'zone']);
    expect(out.days).toBe(250);
    expect(Number.isInteger(out.exceptions)).toBe(true);
    expect(['green', 'yellow', 'red']).toContain(out.zone);
    expect(out.kupiecPValue).toBeGreaterThanOrEqual(0);
    expect(out.kupiecPValue).toBeLessThanOrEqual(1);
  });

  it('rejects a bad --days with exit code 2', async () => {
    const r = await runCli(['backtest', '--portfolio', join(repoRoot, 'samples/portfolio-spy.json'), '--prices', PRICES_DIR, '--days', 'ten']);
    expect(r.code).toBe(2);
  });
});

describe('risk-engine margin', () => {
  it('margins 100 SPY shares at 50% initial and 25% maintenance of the close on asOf', async () => {
    const r = await runCli(['margin', '--portfolio', writePortfolio('spy5.json', spyStock), '--prices', PRICES_DIR]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const { close } = spySeries();
    expect(out.strategy.initial).toBeCloseTo(0.5 * 100 * close, 9);
    expect(out.strategy.maintenance).toBeCloseTo(0.25 * 100 * close, 9);
    // Long stock: the worst scenario is down 3/3 of the 15% scan range (35% of a 30% fall is less).
    expect(out.span.scenarios).toHaveLength(16);
    expect(out.span.requirement).toBeCloseTo(0.15 * 100 * close, 9);
  });

  it('sums each underlying worst loss for the SPAN requirement of the sample book', async () => {
    const r = await runBin(['margin', '--portfolio', 'samples/portfolio-index.json', '--prices', PRICES_DIR, '--scan-range', '0.1', '--vol-shift', '0.3']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    const byU = Object.values(out.span.byUnderlying) as { scanningRisk: number }[];
    expect(out.span.requirement).toBeCloseTo(byU.reduce((a, u) => a + u.scanningRisk, 0), 6);
    expect(out.span.requirement).toBeGreaterThanOrEqual(Math.max(...out.span.scenarios));
  });

  it('rejects a scan range that would push spot below zero', async () => {
    const r = await runCli(['margin', '--portfolio', join(repoRoot, 'samples/portfolio-spy.json'), '--prices', PRICES_DIR, '--scan-range', '0.6']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--scan-range/);
  });
});

describe('help', () => {
  it('prints usage for every command', async () => {
    for (const c of ['price', 'var', 'backtest', 'margin']) {
      const r = await runCli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: risk-engine ${c}`));
    }
    expect((await runCli(['--help'])).stdout).toMatch(/Commands:/);
  });
});

