/**
 * `--engines N`: N `risk-engine serve` processes on the bench's PostgreSQL schema, each owning a
 * share of the partitions (docs/SCALE-OUT.md), started with the bench's child-process helper, and
 * the takeover measured at the end of the run: one engine SIGKILLed, its partitions watched on a
 * survivor's GET /cluster until each is owned by another engine at a higher epoch.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Child, startChild } from './child-process.js';
import { type ClusterMap, partitionsOf, sharesComplete, takenOver } from './cluster-map.js';
import { scrapeCluster } from './cluster-metrics.js';
import { getJson } from './scenario.js';

export interface ClusterEngine {
  readonly id: string;
  readonly child: Child;
  readonly base: string;
  readonly wsUrl: string;
}

export interface ClusterEnginesSpec {
  readonly n: number;
  /** Node arguments up to and including `serve` and its flags, without the port. */
  readonly args: readonly string[];
  /** The single engine's environment; each engine adds its ENGINE_ID and the shared CLUSTER_SECRET. */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly ready: RegExp;
  readonly tls: boolean;
  /** Called with each child as soon as it runs, so the caller's clean-up stops it even if a later one fails. */
  readonly started: (c: Child) => void;
}

/** The settings every engine of the run shares beyond the single engine's (printed and in --json). */
export interface ClusterSettings {
  readonly engines: number;
  readonly pollMs: number;
  readonly sessionTimeoutMs: number;
}

export function engineIds(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `bench-e${k + 1}`);
}

/**
 * Starts the engines one after another: the first makes the development signing key and the
 * encryption key in the shared DATA_DIR and runs the migrations, so the others find them made
 * rather than racing to make them.
 */
export async function startClusterEngines(spec: ClusterEnginesSpec): Promise<ClusterEngine[]> {
  const secret = randomBytes(24).toString('hex');
  const out: ClusterEngine[] = [];
  for (const id of engineIds(spec.n)) {
    const child = await startChild([...spec.args, '--port', '0'], {
      env: { ...spec.env, ENGINE_ID: id, CLUSTER_SECRET: secret }, cwd: spec.cwd, ready: spec.ready, timeoutMs: 60_000, name: `engine ${id}`,
    });
    spec.started(child);
    const port = Number(child.match[1]);
    out.push({ id, child, base: `${spec.tls ? 'https' : 'http'}://127.0.0.1:${port}`, wsUrl: `${spec.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ws` });
  }
  return out;
}

export async function clusterMap(base: string, token: string, ca?: Buffer): Promise<ClusterMap> {
  return (await getJson(`${base}/cluster`, token, ca)) as ClusterMap;
}

/** Polls `base`'s GET /cluster until every engine of `ids` owns its share; the map then. */
export async function waitForShares(base: string, token: string, ids: readonly string[], timeoutMs: number, ca?: Buffer): Promise<ClusterMap> {
  const until = performance.now() + timeoutMs;
  let last: ClusterMap | undefined;
  while (performance.now() < until) {
    last = await clusterMap(base, token, ca);
    if (sharesComplete(last, ids)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  const counts = last ? Object.fromEntries(last.partitions.reduce((m, p) => m.set(String(p.owner), (m.get(String(p.owner)) ?? 0) + 1), new Map<string, number>())) : {};
  throw new Error(`the engines did not take their shares within ${timeoutMs} ms: ${JSON.stringify(counts)}`);
}

export interface TakeoverFigures {
  readonly victim: string;
  readonly observer: string;
  readonly partitions: number;
  /** SIGKILL → every partition of the victim owned by a survivor at a higher epoch (observer's /cluster, polled every pollMs). */
  readonly ownedAgainMs: number;
  /** SIGKILL → the survivors' takeover counters grew by the victim's partition count: every one rebuilt (their /metrics, polled). */
  readonly rebuiltMs: number;
  /** Each survivor's risk_engine_cluster_last_takeover_seconds (its last take: lock, projection, rebuild), ms, and partitions it took. */
  readonly survivors: { readonly engineId: string; readonly lastTakeoverMs: number; readonly took: number }[];
  readonly pollMs: number;
}

/**
 * SIGKILLs the last engine and times its partitions' takeover, watched from the first (whose
 * /cluster the bench polls). The load has ended: this is the takeover of an idle engine's
 * partitions, their rebuild from PostgreSQL included (the books and the run's orders).
 */
export async function measureTakeover(engines: readonly ClusterEngine[], token: string, opts: { pollMs: number; timeoutMs: number; ca?: Buffer }): Promise<TakeoverFigures> {
  const observer = engines[0];
  const victim = engines.at(-1);
  if (observer === undefined || victim === undefined || observer === victim) throw new Error('a takeover needs two engines or more');
  const survivors = engines.slice(0, -1);
  const { ca } = opts;
  const before = await clusterMap(observer.base, token, ca);
  const lost = partitionsOf(before, victim.id);
  const takeovers0 = await Promise.all(survivors.map(async (e) => (await scrapeCluster(e.base, token, ca)).takeovers));
  const killedAt = performance.now();
  victim.child.proc.kill('SIGKILL');
  const until = killedAt + opts.timeoutMs;
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, opts.pollMs));

  let ownedAgainMs = NaN;
  while (performance.now() < until) {
    const map = await clusterMap(observer.base, token, ca).catch(() => undefined);
    if (map && takenOver(map, victim.id, lost)) {
      ownedAgainMs = performance.now() - killedAt;
      break;
    }
    await tick();
  }
  let rebuiltMs = NaN;
  let scrapes = await Promise.all(survivors.map((e) => scrapeCluster(e.base, token, ca)));
  while (performance.now() < until) {
    const took = scrapes.reduce((s, x, k) => s + x.takeovers - (takeovers0[k] as number), 0);
    if (took >= lost.length) {
      rebuiltMs = performance.now() - killedAt;
      break;
    }
    await tick();
    scrapes = await Promise.all(survivors.map((e) => scrapeCluster(e.base, token, ca)));
  }
  return {
    victim: victim.id, observer: observer.id, partitions: lost.length, ownedAgainMs: round1(ownedAgainMs), rebuiltMs: round1(rebuiltMs), pollMs: opts.pollMs,
    survivors: survivors.map((e, k) => ({
      engineId: e.id,
      lastTakeoverMs: round1((scrapes[k]?.lastTakeoverSeconds ?? NaN) * 1000),
      took: (scrapes[k]?.takeovers ?? NaN) - (takeovers0[k] as number),
    })),
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
