/**
 * Client-side order-to-ack split by the engine the trader was connected to and by route: `local`
 * when that engine owns the order's portfolio, `forwarded` when it passed the order to the owner
 * over the cluster link (docs/SCALE-OUT.md, Routing). The difference of the two is the forwarding
 * cost as a client sees it, the same clock and histogram as the bench's orderToAck.
 */
import { isForwarded } from './cluster-map.js';
import { LatencyRecorder, type LatencySummaryMs } from './latency-recorder.js';

export type OrderRoute = 'local' | 'forwarded';

export interface RouteSummary {
  readonly local: LatencySummaryMs;
  readonly forwarded: LatencySummaryMs;
}

export class OrderRoutes {
  private readonly byEngine: { local: LatencyRecorder; forwarded: LatencyRecorder }[];
  private readonly all = { local: new LatencyRecorder(), forwarded: new LatencyRecorder() };

  /** `engineIds[k]`: the engine trader k is connected to; `owners`: the partition table (cluster-map.ts ownerTable). */
  constructor(private readonly engineIds: readonly string[], private readonly owners: readonly (string | undefined)[]) {
    this.byEngine = engineIds.map(() => ({ local: new LatencyRecorder(), forwarded: new LatencyRecorder() }));
  }

  /** The route of an order for `portfolioId` sent through engine number `via`. */
  routeOf(portfolioId: string, via: number): OrderRoute {
    const id = this.engineIds[via];
    if (id === undefined) throw new Error(`no engine number ${via} (of ${this.engineIds.length})`);
    return isForwarded(this.owners, portfolioId, id) ? 'forwarded' : 'local';
  }

  record(via: number, route: OrderRoute, ms: number): void {
    const e = this.byEngine[via];
    if (e === undefined) throw new Error(`no engine number ${via} (of ${this.engineIds.length})`);
    e[route].recordMs(ms);
    this.all[route].recordMs(ms);
  }

  /** Per engine (in `engineIds` order), then over all engines. */
  summary(): { perEngine: (RouteSummary & { engineId: string })[]; total: RouteSummary } {
    return {
      perEngine: this.byEngine.map((e, k) => ({ engineId: this.engineIds[k] as string, local: e.local.summary(), forwarded: e.forwarded.summary() })),
      total: { local: this.all.local.summary(), forwarded: this.all.forwarded.summary() },
    };
  }
}
