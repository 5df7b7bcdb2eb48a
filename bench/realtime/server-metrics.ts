/**
 * The engine's own view of the run, from GET /metrics: the order-to-ack and tick-to-risk histograms
 * scraped when the measured window opens and when it closes, subtracted, and their quantiles
 * estimated from the buckets as Prometheus's histogram_quantile does (linear within a bucket), so
 * the bench can print them beside what its clients measured. Server-side figures start at the
 * frame's arrival: they leave out the network, the client and the kernel's queues.
 */
import { httpRequest } from './http-request.js';

/** Cumulative bucket counts of one histogram series: upper bounds (s, ascending, +Inf last). */
export interface Buckets { readonly le: readonly number[]; readonly cumulative: readonly number[] }

export interface ServerLatencyMs { readonly p50: number; readonly p99: number; readonly p999: number; readonly count: number }

/** The series of GET /metrics we compare (one per histogram; the order histogram's acks). */
export const SERVER_SERIES = {
  orderToAck: { name: 'risk_engine_order_to_ack_seconds_bucket', labels: 'outcome="ack",' },
  tickToRisk: { name: 'risk_engine_tick_to_risk_seconds_bucket', labels: '' },
} as const;

export type ServerHistograms = Record<keyof typeof SERVER_SERIES, Buckets>;

export async function scrapeServerHistograms(base: string, token: string, ca: Buffer | undefined): Promise<ServerHistograms> {
  const res = await httpRequest(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` }, timeoutMs: 10_000, ...(ca !== undefined ? { ca } : {}) });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  return parseHistograms(res.text);
}

export function parseHistograms(text: string): ServerHistograms {
  const out = {} as Record<keyof typeof SERVER_SERIES, { le: number[]; cumulative: number[] }>;
  for (const [key, s] of Object.entries(SERVER_SERIES) as [keyof typeof SERVER_SERIES, (typeof SERVER_SERIES)[keyof typeof SERVER_SERIES]][]) {
    const le: number[] = [];
    const cumulative: number[] = [];
    const re = new RegExp(`^${s.name}\\{${s.labels}le="([^"]+)"\\} (\\S+)$`, 'gm');
    for (const m of text.matchAll(re)) {
      le.push(m[1] === '+Inf' ? Infinity : Number(m[1]));
      cumulative.push(Number(m[2]));
    }
    out[key] = { le, cumulative };
  }
  return out;
}

/** What was observed between two scrapes of the same histogram. */
export function bucketsBetween(before: Buckets, after: Buckets): Buckets {
  return { le: after.le, cumulative: after.cumulative.map((c, i) => c - (before.cumulative[i] ?? 0)) };
}

/** histogram_quantile's estimate, in ms; NaN without observations. A quantile in +Inf is the highest finite bound. */
export function quantileMs(b: Buckets, q: number): number {
  const total = b.cumulative.at(-1) ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < b.le.length; i++) {
    if ((b.cumulative[i] as number) >= rank) {
      const upper = b.le[i] as number;
      if (!Number.isFinite(upper)) return (b.le[i - 1] ?? NaN) * 1000;
      const lower = i === 0 ? 0 : (b.le[i - 1] as number);
      const below = i === 0 ? 0 : (b.cumulative[i - 1] as number);
      const inBucket = (b.cumulative[i] as number) - below;
      return (lower + (upper - lower) * (inBucket === 0 ? 0 : (rank - below) / inBucket)) * 1000;
    }
  }
  return NaN;
}

export function serverLatency(b: Buckets): ServerLatencyMs {
  return { p50: quantileMs(b, 0.5), p99: quantileMs(b, 0.99), p999: quantileMs(b, 0.999), count: b.cumulative.at(-1) ?? 0 };
}
