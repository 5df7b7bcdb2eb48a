/**
 * The scale-out block of the real-time bench (`--engines N`): per engine and in total, printed
 * after the usual table and carried in --json as `cluster`.
 */
import type { TakeoverFigures } from './cluster-engines.js';
import { type ClusterScrape, type EngineWindow, engineWindow, forwardOverAll } from './cluster-metrics.js';
import type { LatencySummaryMs } from './latency-recorder.js';
import type { RouteSummary } from './order-routes.js';
import type { ServerLatencyMs } from './server-metrics.js';

export const CLUSTER_NOTE =
  'All engines, the load generator and PostgreSQL share this machine\'s cores: throughput cannot grow with N here. ' +
  'Read the per-engine overhead (forward round trip, forwarded vs local order-to-ack, ticks passed between engines) ' +
  'and the takeover time, not the totals.';

export interface ClusterReport {
  readonly engines: number;
  readonly partitions: number;
  readonly pollMs: number;
  readonly sessionTimeoutMs: number;
  /** How the clients were spread over the engines. */
  readonly clients: string;
  readonly perEngine: readonly (EngineWindow & {
    readonly client: RouteSummary;
    readonly recalcsPerSec: number;
    readonly rssMb: number;
  })[];
  readonly total: {
    /** The forward round trip of orders over every engine (their /metrics buckets summed). */
    readonly forwardOrder: ServerLatencyMs;
    /** Client-side order-to-ack of orders their engine owned vs forwarded. */
    readonly orderToAck: RouteSummary;
    /** Forwarded orders / all measured orders (client-side classification). */
    readonly forwardedShare: number;
  };
  readonly takeover: TakeoverFigures | null;
  readonly note: string;
}

export const CLIENT_SPREAD =
  'a feed, a trader and a watcher per engine; order i through engine i mod N, tick symbol k through engine k mod N, sampled portfolio j watched through engine j mod N';

/** The report from what the run gathered; every per-engine array is in `ids` order. */
export function buildClusterReport(x: {
  ids: readonly string[];
  partitions: number;
  pollMs: number;
  sessionTimeoutMs: number;
  routes: { perEngine: readonly RouteSummary[]; total: RouteSummary };
  /** Each engine's /metrics as the measured window opened and as it closed. */
  before: readonly ClusterScrape[];
  after: readonly ClusterScrape[];
  recalcsPerSec: readonly number[];
  rssMb: readonly number[];
  takeover: TakeoverFigures | null;
}): ClusterReport {
  const at = <T>(list: readonly T[], k: number): T => {
    if (k >= list.length) throw new Error(`no figure for engine ${x.ids[k]}: ${list.length} of ${x.ids.length}`);
    return list[k] as T;
  };
  const { local, forwarded } = x.routes.total;
  return {
    engines: x.ids.length, partitions: x.partitions, pollMs: x.pollMs, sessionTimeoutMs: x.sessionTimeoutMs, clients: CLIENT_SPREAD,
    perEngine: x.ids.map((id, k) => ({
      ...engineWindow(id, at(x.before, k), at(x.after, k)),
      client: at(x.routes.perEngine, k),
      recalcsPerSec: at(x.recalcsPerSec, k),
      rssMb: at(x.rssMb, k),
    })),
    total: {
      forwardOrder: forwardOverAll(x.ids.map((_, k) => ({ before: at(x.before, k), after: at(x.after, k) }))),
      orderToAck: x.routes.total,
      forwardedShare: forwarded.count / (local.count + forwarded.count),
    },
    takeover: x.takeover,
    note: CLUSTER_NOTE,
  };
}

export function printClusterReport(r: ClusterReport, write: (s: string) => void = (s) => process.stdout.write(s)): void {
  const f = (x: number): string => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3)) : '-');
  const lat = (s: LatencySummaryMs | ServerLatencyMs): string => `${f(s.p50).padStart(8)} ${f(s.p99).padStart(8)} ${String(s.count).padStart(7)}`;
  const head = `${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'count'.padStart(7)}`;
  const lines = [
    '',
    `scale-out: ${r.engines} engines, ${r.partitions} partitions, CLUSTER_POLL_MS ${r.pollMs}, CLUSTER_SESSION_TIMEOUT_MS ${r.sessionTimeoutMs}; clients: ${r.clients}`,
    `${'engine'.padEnd(10)} ${'owns'.padStart(5)} | client o2a local ${head} | client o2a forwarded ${head} | forward RTT ${head} | server o2a ${head} | fwd ans/mov/fail | ticks out/in | recalcs/s | RSS MB`,
    ...r.perEngine.map((e) => [
      `${e.engineId.padEnd(10)} ${String(e.partitionsOwned).padStart(5)}`,
      `${''.padEnd(16)} ${lat(e.client.local)}`,
      `${''.padEnd(20)} ${lat(e.client.forwarded)}`,
      `${''.padEnd(11)} ${lat(e.forwardOrder)}`,
      `${''.padEnd(10)} ${lat(e.orderToAck)}`,
      `${`${e.forwarded.answered}/${e.forwarded.moving}/${e.forwarded.failed}`.padStart(16)}`,
      `${`${e.ticksSent}/${e.ticksReceived}`.padStart(12)}`,
      `${String(e.recalcsPerSec).padStart(9)}`,
      `${String(e.rssMb).padStart(6)}`,
    ].join(' | ')),
    `${'all'.padEnd(10)} ${String(r.partitions).padStart(5)} | ${''.padEnd(16)} ${lat(r.total.orderToAck.local)} | ${''.padEnd(20)} ${lat(r.total.orderToAck.forwarded)} | ${''.padEnd(11)} ${lat(r.total.forwardOrder)} | forwarded share ${(r.total.forwardedShare * 100).toFixed(1)}% (expected ${(((r.engines - 1) / r.engines) * 100).toFixed(1)}%)`,
    r.takeover
      ? `takeover: SIGKILL ${r.takeover.victim} (${r.takeover.partitions} partitions) → owned again at higher epochs in ${f(r.takeover.ownedAgainMs)} ms (${r.takeover.observer}'s /cluster every ${r.takeover.pollMs} ms), ` +
        `rebuilt by the survivors in ${f(r.takeover.rebuiltMs)} ms (their /metrics); survivors' last takeover: ${r.takeover.survivors.map((s) => `${s.engineId} ${f(s.lastTakeoverMs)} ms for ${s.took} partitions`).join(', ')}`
      : 'takeover: not measured',
    `note: ${r.note}`,
    '',
  ];
  write(lines.join('\n'));
}
