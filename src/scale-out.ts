/**
 * Scale-out in `serve` (docs/SCALE-OUT.md): the pieces that make an engine on a PostgreSQL server
 * one of several, put together in the order they need each other.
 *
 * - Before the gateway: the router (gateway/cluster/) over a view of the ownership that owns
 *   nothing yet, so that the gateway's handlers and its internal link exist from the first
 *   connection (messages for partitions not yet owned wait, bounded, as during any move).
 * - Once the gateway listens (its port makes the endpoint): the ownership coordinator
 *   (persistence/cluster/ownership.ts) with the hooks that rebuild taken partitions into the engine
 *   and give up lost ones (partition-owner.ts), then the internal link dials the peers.
 * - At shutdown: the partitions are handed over cleanly first (the others take them within a
 *   poll), while the link still forwards this engine's clients' messages to the new owners.
 *
 * The embedded database and PERSISTENCE=memory are one engine: it owns everything
 * (single-owner.ts) and none of this runs.
 */
import { randomBytes } from 'node:crypto';
import type { EngineApi } from './engine/runtime/engine-api.js';
import type { Engine } from './engine/runtime/engine.js';
import type { BlockedOwners } from './gateway/cluster/cluster-blocks.js';
import { ClusterRouter } from './gateway/cluster/cluster-router.js';
import type { ClusterMetrics } from './gateway/cluster/cluster-metrics.js';
import { WsClusterTransport } from './gateway/cluster/ws-transport.js';
import type { LogFn } from './logger.js';
import { type Ownership, type OwnershipStats, openOwnership } from './persistence/cluster/ownership.js';
import type { OwnershipView, PartitionRoute } from './persistence/cluster/ownership-port.js';
import { partitionOwnerHooks } from './persistence/cluster/partition-owner.js';
import type { Persistence } from './persistence/persistence.js';
import type { ClusterSettings } from './config.js';

/** The ownership as the rest of the engine sees it before and after the coordinator opens. */
class LateOwnership implements OwnershipView {
  #inner: Ownership | undefined;
  readonly #listeners = new Set<() => void>();
  #unsubscribe: (() => void) | undefined;

  constructor(readonly engineId: string, readonly partitions: number) {}

  set(inner: Ownership): void {
    this.#inner = inner;
    this.#unsubscribe = inner.onChange(() => this.#changed());
    this.#changed();
  }

  get inner(): Ownership | undefined {
    return this.#inner;
  }

  owns(p: number): boolean {
    return this.#inner?.owns(p) ?? false;
  }

  routeOf(p: number): PartitionRoute | undefined {
    return this.#inner?.routeOf(p);
  }

  engines(): readonly { readonly id: string; readonly endpoint: string }[] {
    return this.#inner?.engines() ?? [];
  }

  table(): readonly { readonly partition: number; readonly owner: string | null; readonly epoch: number }[] {
    return this.#inner?.table() ?? [];
  }

  ready(): boolean {
    return this.#inner?.ready() ?? false;
  }

  fenced(partitions: readonly number[]): void {
    this.#inner?.fenced(partitions);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  detach(): void {
    this.#unsubscribe?.();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

/** How long start waits for this engine to own its share before it lets the gateway announce itself. */
const READY_WAIT_MS = 10_000;

export interface ScaleOutOptions {
  readonly settings: ClusterSettings;
  readonly persistence: Persistence;
  readonly engine: () => Engine;
  readonly clientOrderIdWindowMs: number;
  readonly historyLimit: number;
  readonly clock: { nowMs(): number };
  readonly metrics?: ClusterMetrics;
  /** This engine's blocked customers (SanctionsBlocks): shared with the other engines by the router. */
  readonly blocks?: BlockedOwners;
  readonly log: LogFn;
}

export interface ScaleOut {
  /** The journal's onFenced goes to view.fenced (openPersistence is given it before this exists). */
  readonly view: OwnershipView;
  /** The gateway's `cluster` option. */
  readonly router: ClusterRouter;
  /** Opens the ownership (this engine reachable at `endpoint`) and dials the peers. */
  start(endpoint: string): Promise<void>;
  stats(): OwnershipStats | undefined;
  /** Hands every partition over, then closes the link. */
  close(): Promise<void>;
}

export function scaleOut(o: ScaleOutOptions): ScaleOut {
  const s = o.settings;
  const db = o.persistence.db;
  if (db.kind !== 'external') throw new Error('scale-out needs a PostgreSQL server (DATABASE_URL)');
  const view = new LateOwnership(s.engineId, s.partitions);
  // Without CLUSTER_SECRET no peer can present this engine's secret: it serves what it owns, and
  // what others own waits and is refused PARTITION_MOVING (said once another engine shows up).
  const secret = s.secret ?? randomBytes(24).toString('base64url');
  let warned = false;
  const transport = new WsClusterTransport({
    self: s.engineId, secret, log: o.log,
    peers: () => view.engines(),
    onPeersChange: (l) => view.onChange(() => {
      if (s.secret === undefined && !warned && view.engines().length > 1) {
        warned = true;
        o.log('warn', 'another engine shares this database but CLUSTER_SECRET is not set: messages for its partitions cannot be forwarded (PARTITION_MOVING)', { engines: view.engines().map((e) => e.id) });
      }
      l();
    }),
  });
  const router = new ClusterRouter({
    ownership: view, transport, moveWaitMs: s.moveWaitMs, log: o.log, ...(o.metrics ? { metrics: o.metrics } : {}), ...(o.blocks ? { blocks: o.blocks } : {}),
  });
  const journal = o.persistence.journal;
  let ownership: Ownership | undefined;
  return {
    view,
    router,
    async start(endpoint) {
      ownership = await openOwnership({
        connection: db.connection, schema: db.schema, engineId: s.engineId, endpoint, partitions: s.partitions,
        sessionTimeoutMs: s.sessionTimeoutMs, pollMs: s.pollMs, log: o.log,
        hooks: partitionOwnerHooks({
          pool: db.pool, journal, engine: o.engine, partitions: s.partitions, clientOrderIdWindowMs: o.clientOrderIdWindowMs,
          historyLimit: o.historyLimit, clock: o.clock, log: o.log,
        }),
      });
      view.set(ownership);
      transport.start();
      // Listening is announced once this engine owns its share (a lone engine: everything), so
      // that /readyz and the first orders find their partitions here; engines handing partitions
      // over to it can take a while, which is bounded and said.
      const deadline = Date.now() + READY_WAIT_MS;
      while (!ownership.ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (!ownership.ready()) o.log('warn', 'scale-out: this engine does not own its share yet; it serves meanwhile and /readyz says so', { waitedMs: READY_WAIT_MS });
    },
    stats: () => ownership?.stats(),
    async close() {
      await ownership?.close();
      view.detach();
      await router.close();
      await transport.close();
    },
  };
}

/**
 * What a screening hit (screening-hits.ts) halts and where it remembers a block, when this engine
 * is one of several: the customer is halted on every engine and the block told to every engine
 * (the router's haltOwner and blockFound); a single portfolio (a counterparty hit on a portfolio
 * without an owner) is this engine's own, as the order that named the counterparty ran here.
 */
export function screeningAcrossEngines(router: ClusterRouter, engine: Pick<EngineApi, 'setTradingState' | 'getPortfolio'>): {
  readonly engine: Pick<EngineApi, 'haltOwner' | 'setTradingState' | 'getPortfolio'>;
  readonly blocks: { add(customerId: string): void };
} {
  return {
    engine: {
      haltOwner: (ownerId, reason, by) => router.haltOwner(ownerId, reason, by),
      setTradingState: (portfolioId, state, by, reason) => engine.setTradingState(portfolioId, state, by, reason),
      getPortfolio: (portfolioId) => engine.getPortfolio(portfolioId),
    },
    blocks: { add: (customerId) => router.blockFound(customerId) },
  };
}
