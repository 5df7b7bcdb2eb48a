/**
 * What taking and giving up partitions does to this engine (the OwnerHooks the ownership
 * coordinator calls, docs/SCALE-OUT.md):
 * - adopt: the journal is projected (what the previous owners committed reaches the tables), then
 *   the partitions' portfolios are rebuilt from PostgreSQL (positions, cash, open orders,
 *   limits, trading state, id sequences, and the orders of the clientOrderId window, so a copy of
 *   an order the previous owner acknowledged is answered with the original), the journal continues
 *   their sequences and audit chains, and only then does the engine host them.
 * - drop: at once, the journal refuses their uncommitted changes (never acknowledged) and the engine
 *   lets their portfolios go.
 * - quiesce: before a clean handoff, everything recorded so far is committed.
 */
import type pg from 'pg';
import { partitionOf } from '../../engine/cluster/partitions.js';
import type { Fill, Order, PortfolioState } from '../../engine/actors/types.js';
import type { LogFn } from '../../logger.js';
import { loadPortfolioStates, loadRecentHistory } from '../recovery.js';
import type { DropReason, OwnerHooks, PartitionGrant } from './ownership-port.js';

/** The parts of the journal a partition's owner drives. */
export interface OwnedJournal {
  own(grants: readonly PartitionGrant[]): Promise<void>;
  disown(partitions: readonly number[]): void;
  flush(): Promise<void>;
}

/** The parts of the engine a partition's owner drives. */
export interface HostingEngine {
  adopt(states: readonly PortfolioState[], history?: { readonly orders: readonly Order[]; readonly fills: readonly Fill[] }): void;
  release(portfolioIds: readonly string[]): void;
  listPortfolioIds(): readonly string[];
}

export interface PartitionOwnerOptions {
  readonly pool: pg.Pool;
  readonly journal: OwnedJournal;
  /** The engine, once it exists (the coordinator starts after it). */
  readonly engine: () => HostingEngine;
  readonly partitions: number;
  /** Orders accepted since this many ms ago are reloaded with their clientOrderIds. */
  readonly clientOrderIdWindowMs: number;
  readonly historyLimit: number;
  readonly clock: { nowMs(): number };
  readonly log: LogFn;
}

export function partitionOwnerHooks(o: PartitionOwnerOptions): OwnerHooks {
  return {
    async adopt(grants) {
      const owned = grants.map((g) => g.partition);
      const scope = { partitions: o.partitions, owned };
      const t0 = performance.now();
      // Whatever the previous owners committed reaches the tables first (their epochs are bumped
      // already, so nothing of theirs can land after this).
      await o.pool.query('SELECT journal_apply()');
      const tProjected = performance.now();
      const [states, history] = await Promise.all([
        loadPortfolioStates(o.pool, o.clock.nowMs() - o.clientOrderIdWindowMs, scope),
        loadRecentHistory(o.pool, o.historyLimit, scope),
      ]);
      const t1 = performance.now();
      await o.journal.own(grants);
      const t2 = performance.now();
      o.engine().adopt(states, history);
      o.log('info', 'partitions taken and rebuilt', {
        partitions: owned.length, portfolios: states.length, rebuildMs: Math.round(performance.now() - t0),
        projectMs: Math.round(tProjected - t0), loadMs: Math.round(t1 - tProjected), journalMs: Math.round(t2 - t1), engineMs: Math.round(performance.now() - t2),
      });
    },
    drop(partitions: readonly number[], why: DropReason) {
      o.journal.disown(partitions);
      const set = new Set(partitions);
      const engine = o.engine();
      const ids = engine.listPortfolioIds().filter((id) => set.has(partitionOf(id, o.partitions)));
      engine.release(ids);
      o.log(why === 'handoff' || why === 'shutdown' ? 'info' : 'warn', 'partitions given up', { partitions: partitions.length, portfolios: ids.length, why });
    },
    async quiesce() {
      await o.journal.flush();
    },
  };
}
