/** GET /health (admin token): the figures an operator looks at first. /livez and /readyz carry no detail. */
import type { EngineApi } from '../engine/runtime/engine-api.js';
import type { SessionCounters } from './ws-session.js';

export interface GatewayStats extends SessionCounters {
  connections: number;
}

/** Whether orders can be accepted now, and the state of each part that decides it ("ok" or why not). */
export interface Readiness {
  readonly ready: boolean;
  readonly components: Readonly<Record<string, string>>;
}

export function healthBody(engine: EngineApi, uws: 'native' | 'fallback', uwsBuild: string, gw: GatewayStats, persistence?: Record<string, unknown>, readiness?: Readiness): Record<string, unknown> {
  const s = engine.stats();
  return {
    status: 'ok',
    ready: readiness?.ready ?? true,
    uws,
    uwsBuild,
    ...(persistence ?? { database: 'none' }),
    portfolios: s.portfolios,
    ticks: s.ticks,
    recalculations: s.recalculations,
    coalesced: s.coalesced,
    mailboxRejections: s.mailboxRejections,
    // Ticks held by the market-data checks (and what became of them), held now, refused.
    tickGuard: s.tickGuard,
    pool: {
      threads: s.pool.threads,
      utilisation: s.pool.utilization,
      queueLength: s.pool.queueSize,
      completedTasks: s.pool.completedTasks,
      recalculations: s.pool.recalculations,
      ...(s.pool.priority ? { priority: s.pool.priority } : {}),
    },
    gateway: { connections: gw.connections, conflated: gw.conflated, slowConsumerCloses: gw.slowConsumerCloses, dropped: gw.dropped },
  };
}
