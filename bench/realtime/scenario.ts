/**
 * The benchmark's standard scenario: the demo books (src/engine/market/demo-*.ts) created through
 * REST with an admin token, and the lookups the load generator needs (which sampled portfolios
 * hold which underlying).
 */
import { demoUnderlyings, type DemoUnderlying } from '../../src/engine/market/demo-market.js';
import { demoPortfolios, type DemoPortfolio } from '../../src/engine/market/demo-portfolios.js';
import { httpRequest } from './http-request.js';

export interface ScenarioSpec {
  readonly portfolios: number;
  readonly underlyings: number;
  readonly optionsPerPortfolio: number;
  /** Portfolios whose risk stream is subscribed and measured. */
  readonly sample: number;
  readonly asOf: string;
}

export interface Scenario {
  readonly spec: ScenarioSpec;
  readonly underlyings: readonly DemoUnderlying[];
  readonly books: readonly DemoPortfolio[];
  /** Sampled portfolio ids, spread evenly over the books. */
  readonly sampled: readonly string[];
  /** Underlying symbol → sampled portfolio ids holding it. */
  readonly sampledByUnderlying: ReadonlyMap<string, readonly string[]>;
  /** Sampled portfolio id → number of distinct underlyings it holds. */
  readonly underlyingCount: ReadonlyMap<string, number>;
}

// A saturated engine answers REST late, but the run must still end by itself.
const REQUEST_TIMEOUT_MS = 30_000;

// The same seed as the engine's simulated universe (src/main.ts), so names and vols match its
// synthetic VaR scenario set.
const UNIVERSE_SEED = 7;

export function buildScenario(spec: ScenarioSpec): Scenario {
  const underlyings = demoUnderlyings(spec.underlyings, UNIVERSE_SEED);
  const books = demoPortfolios({ portfolios: spec.portfolios, optionsPerPortfolio: spec.optionsPerPortfolio, underlyings, asOf: spec.asOf, seed: 1, idPrefix: 'bench-' });
  const n = Math.min(spec.sample, books.length);
  const sampled = Array.from({ length: n }, (_, k) => (books[Math.floor((k * books.length) / n)] as DemoPortfolio).portfolioId);
  const byId = new Map(books.map((b) => [b.portfolioId, b]));
  const symbols = new Set(underlyings.map((u) => u.symbol));
  const sampledByUnderlying = new Map<string, string[]>();
  const underlyingCount = new Map<string, number>();
  for (const id of sampled) {
    const held = new Set<string>();
    for (const p of (byId.get(id) as DemoPortfolio).positions ?? []) {
      const root = symbols.has(p.instrument) ? p.instrument : p.instrument.slice(0, 6).trim();
      held.add(root);
    }
    underlyingCount.set(id, held.size);
    for (const u of held) {
      const list = sampledByUnderlying.get(u) ?? [];
      list.push(id);
      sampledByUnderlying.set(u, list);
    }
  }
  return { spec, underlyings, books, sampled, sampledByUnderlying, underlyingCount };
}

/** POSTs every book to /portfolios, `concurrency` requests at a time; throws on the first refusal. `ca`: trusted for https://. */
export async function createBooks(baseUrl: string, adminToken: string, books: readonly DemoPortfolio[], opts: { concurrency?: number; ca?: Buffer } = {}): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < books.length) {
      const b = books[next++] as DemoPortfolio;
      const res = await httpRequest(`${baseUrl}/portfolios`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ portfolioId: b.portfolioId, cash: b.cash, positions: b.positions }),
        timeoutMs: REQUEST_TIMEOUT_MS,
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST /portfolios ${b.portfolioId}: HTTP ${res.status} ${res.text}`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
}

export async function getJson(url: string, token: string, ca?: Buffer): Promise<unknown> {
  const res = await httpRequest(url, { headers: { authorization: `Bearer ${token}` }, timeoutMs: REQUEST_TIMEOUT_MS, ...(ca !== undefined ? { ca } : {}) });
  if (res.status < 200 || res.status > 299) throw new Error(`GET ${url}: HTTP ${res.status} ${res.text}`);
  return JSON.parse(res.text) as unknown;
}
