/** GET /health: liveness plus the figures an operator looks at first. No auth. */
import type { EngineApi } from '../engine/runtime/engine-api.js';
import type { SessionCounters } from './ws-session.js';

export interface GatewayStats extends SessionCounters {
  connections: number;
}

export function healthBody(engine: EngineApi, uws: 'native' | 'fallback', gw: GatewayStats, persistence?: Record<string, unknown>): Record<string, unknown> {
  const s = engine.stats();
  return {
    status: 'ok',
    uws,
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
