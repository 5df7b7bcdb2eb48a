/**
 * One engine's view of a scale-out run, from its GET /metrics: the forward round trip of orders it
 * passed to their owners (risk_engine_cluster_forward_seconds{kind="order"}), how those forwards
 * ended (risk_engine_cluster_forwarded_total{kind="order"}), its own order-to-ack as the owner
 * (server-metrics.ts), the ticks it passed to / took from the others, and the ownership gauges.
 * Scraped when the measured window opens and when it closes and subtracted like server-metrics.ts;
 * parsing is pure (test/bench/cluster-metrics.test.ts).
 */
import { httpRequest } from './http-request.js';
import { type Buckets, type ServerHistograms, type ServerLatencyMs, bucketsBetween, parseHistograms, serverLatency } from './server-metrics.js';

export interface ClusterScrape {
  /** Orders this engine answered as owner (its clients' and those forwarded to it), ack outcome. */
  readonly orderToAck: Buckets;
  /** Round trip of orders this engine forwarded: from sending them to the owner to its answer. */
  readonly forwardOrder: Buckets;
  /** Orders forwarded, by outcome: answered, moving (PARTITION_MOVING), failed. */
  readonly forwarded: { readonly answered: number; readonly moving: number; readonly failed: number };
  readonly ticksSent: number;
  readonly ticksReceived: number;
  readonly partitionsOwned: number;
  readonly takeovers: number;
  readonly lastTakeoverSeconds: number;
}

export interface EngineWindow {
  readonly engineId: string;
  readonly partitionsOwned: number;
  readonly orderToAck: ServerLatencyMs;
  readonly forwardOrder: ServerLatencyMs;
  readonly forwarded: ClusterScrape['forwarded'];
  readonly ticksSent: number;
  readonly ticksReceived: number;
}

/** The value of one unlabelled sample, or of the sample with exactly `labels` (as printed, e.g. `kind="order",outcome="moving"`); NaN if absent. */
export function sampleValue(text: string, name: string, labels = ''): number {
  const escaped = (name + (labels ? `{${labels}}` : '')).replace(/[{}.*+?^$()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Cumulative buckets of one histogram child whose only label before `le` is `labels`. */
export function histogramBuckets(text: string, name: string, labels: string): Buckets {
  const le: number[] = [];
  const cumulative: number[] = [];
  const re = new RegExp(`^${name}_bucket\\{${labels},le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    le.push(m[1] === '+Inf' ? Infinity : Number(m[1]));
    cumulative.push(Number(m[2]));
  }
  return { le, cumulative };
}

export function parseClusterMetrics(text: string): ClusterScrape {
  const fwd = (outcome: string): number => sampleValue(text, 'risk_engine_cluster_forwarded_total', `kind="order",outcome="${outcome}"`);
  return {
    orderToAck: parseHistograms(text).orderToAck,
    forwardOrder: histogramBuckets(text, 'risk_engine_cluster_forward_seconds', 'kind="order"'),
    forwarded: { answered: fwd('answered'), moving: fwd('moving'), failed: fwd('failed') },
    ticksSent: sampleValue(text, 'risk_engine_cluster_ticks_total', 'direction="sent"'),
    ticksReceived: sampleValue(text, 'risk_engine_cluster_ticks_total', 'direction="received"'),
    partitionsOwned: sampleValue(text, 'risk_engine_cluster_partitions_owned'),
    takeovers: sampleValue(text, 'risk_engine_cluster_takeovers_total'),
    lastTakeoverSeconds: sampleValue(text, 'risk_engine_cluster_last_takeover_seconds'),
  };
}

/** One GET /metrics of one engine, read both ways: the single engine's histograms and the cluster's figures. */
export async function scrapeEngine(base: string, token: string, ca: Buffer | undefined): Promise<{ histograms: ServerHistograms; cluster: ClusterScrape }> {
  const res = await httpRequest(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` }, timeoutMs: 10_000, ...(ca !== undefined ? { ca } : {}) });
  if (res.status !== 200) throw new Error(`GET ${base}/metrics: HTTP ${res.status} ${res.text.slice(0, 200)}`);
  return { histograms: parseHistograms(res.text), cluster: parseClusterMetrics(res.text) };
}

export async function scrapeCluster(base: string, token: string, ca: Buffer | undefined): Promise<ClusterScrape> {
  return (await scrapeEngine(base, token, ca)).cluster;
}

/** What one engine did between two scrapes. */
export function engineWindow(engineId: string, before: ClusterScrape, after: ClusterScrape): EngineWindow {
  return {
    engineId,
    partitionsOwned: after.partitionsOwned,
    orderToAck: serverLatency(bucketsBetween(before.orderToAck, after.orderToAck)),
    forwardOrder: serverLatency(bucketsBetween(before.forwardOrder, after.forwardOrder)),
    forwarded: {
      answered: after.forwarded.answered - before.forwarded.answered,
      moving: after.forwarded.moving - before.forwarded.moving,
      failed: after.forwarded.failed - before.forwarded.failed,
    },
    ticksSent: after.ticksSent - before.ticksSent,
    ticksReceived: after.ticksReceived - before.ticksReceived,
  };
}

/** Histograms of several engines as one: cumulative counts summed bucket by bucket (every engine has the same bounds). */
export function sumBuckets(list: readonly Buckets[]): Buckets {
  const first = list[0];
  if (first === undefined) return { le: [], cumulative: [] };
  for (const b of list) if (b.le.length !== first.le.length || b.le.some((x, i) => x !== first.le[i])) throw new Error('cannot sum histograms with different buckets');
  return { le: first.le, cumulative: first.cumulative.map((_, i) => list.reduce((s, b) => s + (b.cumulative[i] as number), 0)) };
}

/** The forward round trip over every engine: their window buckets summed. */
export function forwardOverAll(pairs: readonly { before: ClusterScrape; after: ClusterScrape }[]): ServerLatencyMs {
  return serverLatency(sumBuckets(pairs.map((p) => bucketsBetween(p.before.forwardOrder, p.after.forwardOrder))));
}

/** Every engine's /metrics at one moment: the single engine's histograms summed over them, and each engine's cluster figures. */
export async function scrapeEngines(bases: readonly string[], token: string, ca: Buffer | undefined): Promise<{ histograms: ServerHistograms; perEngine: ClusterScrape[] }> {
  const all = await Promise.all(bases.map((b) => scrapeEngine(b, token, ca)));
  return {
    histograms: { orderToAck: sumBuckets(all.map((x) => x.histograms.orderToAck)), tickToRisk: sumBuckets(all.map((x) => x.histograms.tickToRisk)) },
    perEngine: all.map((x) => x.cluster),
  };
}
