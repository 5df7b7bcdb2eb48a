/**
 * The ownership coordinator of scale-out (docs/SCALE-OUT.md, issue 19): which partitions this
 * engine owns, taken and given back through PostgreSQL advisory locks on one session of its own
 * (ownership-session.ts). It generalises the single-writer lock (writer-lock.ts) from one lock per
 * schema to one per partition, so the guarantees are the server's: a lock has one holder, and it
 * goes with the session, however that session ends.
 *
 * Every pollMs, and at once when another engine announces a change (NOTIFY), it reads the map
 * (partition-map.ts) and plans its balance (planBalance): below its share ceil(partitions / live
 * engines) it takes free partitions; above it, it hands the excess over cleanly. Everything that
 * talks to the session runs one operation at a time (`run`), so a plan never races a takeover of
 * its own; what must not wait (a lost session, a fence) acts on the owned set synchronously.
 *
 * A partition's life here:
 *   free → lock taken → epoch bumped and announced (one transaction) → journal projected (what
 *   the previous owner committed) → hooks.adopt resolved → OWNED
 *   OWNED → hooks.quiesce → hooks.drop('handoff' | 'shutdown') → row cleared, lock released,
 *   announced → free
 *   OWNED → session lost: hooks.drop('session-lost') at once, nothing owned, reconnect, take again
 *   OWNED → fenced (the journal found a newer epoch): hooks.drop('fenced'), lock released
 * `owns(p)` is true only in OWNED, and hooks.drop always runs before the lock can go (for a lost
 * session the lock is already gone on the server: the fence in the journal covers that window).
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { planBalance, shareOf } from '../../engine/cluster/partitions.js';
import { OwnershipError, ownershipErrors } from './ownership-errors.js';
import { ownershipKeys, type OwnershipKeys } from './ownership-keys.js';
import { resolveOwnershipOptions, type OwnershipOptions, type ResolvedOwnershipOptions } from './ownership-options.js';
import type { DropReason, OwnershipView, PartitionRoute } from './ownership-port.js';
import { openSession, type OwnershipSession } from './ownership-session.js';
import { freeCount, mapSignature, ownersForPlan, readPartitionMap, routeFrom, type PartitionMap } from './partition-map.js';
import { ensurePartitionRows, releasePartitions, takePartitions, unlockPartitions } from './partition-rows.js';

export type { OwnershipOptions } from './ownership-options.js';
export { OWNERSHIP_DEFAULTS } from './ownership-options.js';
export { OwnershipError } from './ownership-errors.js';

export interface OwnershipStats {
  /** Partitions taken and adopted since start. */
  readonly takeovers: number;
  /** Partitions handed over cleanly (quiesced, dropped, released), at a rebalance or at close. */
  readonly handoffs: number;
  /** Partitions dropped because the journal found them fenced. */
  readonly fenced: number;
  /** Ownership sessions lost (each dropped every partition). */
  readonly sessionLosses: number;
  /** Partitions owned now. */
  readonly owned: number;
  /** The last takeover, from its first lock to adopt resolved, ms (undefined before the first). */
  readonly lastTakeoverMs: number | undefined;
}

export interface Ownership extends OwnershipView {
  stats(): OwnershipStats;
  /** Hands every partition off cleanly, leaves the engines and ends the session; safe to call twice. */
  close(): Promise<void>;
}

export async function openOwnership(opts: OwnershipOptions): Promise<Ownership> {
  const coordinator = new Coordinator(resolveOwnershipOptions(opts));
  await coordinator.start();
  return coordinator;
}

type Op = (session: OwnershipSession, generation: number) => Promise<void>;

class Coordinator implements Ownership {
  readonly engineId: string;
  readonly partitions: number;
  private readonly keys: OwnershipKeys;
  private readonly startedAt = new Date();
  private session: OwnershipSession | undefined;
  /** Bumped when a session is lost or opened: an operation of an older generation changes nothing. */
  private generation = 0;
  private previousPid: number | undefined;
  private readonly owned = new Set<number>();
  private map: PartitionMap | undefined;
  private mapSig = '';
  private queue: Promise<void> = Promise.resolve();
  private stepQueued = false;
  private stepToken: symbol | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs: number;
  /** After adopt failed, taking waits until then (a partition that cannot be adopted is not retried every poll). */
  private takeAfter = 0;
  private adoptFailures = 0;
  private closing: Promise<void> | undefined;
  private handedOff = false;
  private readonly listeners = new Set<() => void>();
  private readonly counts = { takeovers: 0, handoffs: 0, fenced: 0, sessionLosses: 0, lastTakeoverMs: undefined as number | undefined };

  constructor(private readonly o: ResolvedOwnershipOptions) {
    this.engineId = o.engineId;
    this.partitions = o.partitions;
    this.keys = ownershipKeys(o.schema);
    this.reconnectDelayMs = o.reconnectMs;
  }

  async start(): Promise<void> {
    let session: OwnershipSession;
    try {
      session = await this.openSession((q) => ensurePartitionRows(q, this.o.schema, this.partitions));
    } catch (err) {
      throw err instanceof OwnershipError ? err : ownershipErrors.unavailable(err);
    }
    try {
      this.setMap(await readPartitionMap(session, this.keys, this.o.sessionTimeoutMs));
    } catch (err) {
      // Refused at start: nothing may reconnect behind the caller's back.
      this.closing = Promise.resolve();
      clearTimeout(this.reconnectTimer);
      await session.end();
      this.session = undefined;
      throw err instanceof OwnershipError ? err : ownershipErrors.unavailable(err);
    }
    // Ref'd on purpose: an engine waiting to reconnect has no socket open, and must not exit then.
    this.pollTimer = setInterval(() => this.requestStep(), this.o.pollMs);
    this.requestStep();
  }

  // ---- OwnershipView

  owns(partition: number): boolean {
    return this.owned.has(partition);
  }

  routeOf(partition: number): PartitionRoute | undefined {
    return routeFrom(this.map?.rows[partition]);
  }

  engines(): readonly { readonly id: string; readonly endpoint: string }[] {
    return this.map?.engines ?? [];
  }

  table(): readonly { readonly partition: number; readonly owner: string | null; readonly epoch: number }[] {
    return (this.map?.rows ?? []).map((r) => ({ partition: r.partition, owner: routeFrom(r)?.owner ?? null, epoch: r.epoch }));
  }

  ready(): boolean {
    if (this.handedOff) return true;
    if (this.closing || !this.session || !this.map) return false;
    const share = shareOf(this.partitions, this.liveCount(this.map));
    // Its share, or all it can get: the rest is owned by engines that have not handed it over yet.
    return this.owned.size >= Math.min(share, this.owned.size + freeCount(this.map));
  }

  fenced(partitions: readonly number[]): void {
    const mine = partitions.filter((p) => this.owned.has(p));
    if (mine.length === 0) return;
    for (const p of mine) this.owned.delete(p);
    this.counts.fenced += mine.length;
    this.o.log('warn', 'partitions fenced: another engine took them; dropping them', { engineId: this.engineId, partitions: mine });
    this.drop(mine, 'fenced');
    this.emitChange();
    const generation = this.generation;
    void this.run(async (s, g) => {
      // A new session holds none of the old locks (and may own these partitions again).
      if (g !== generation) return;
      await unlockPartitions(s, this.keys, mine);
      await this.refresh(s, g);
    });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OwnershipStats {
    return { ...this.counts, owned: this.owned.size };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- the session

  private async openSession(prepare?: (q: pg.Client) => Promise<void>): Promise<OwnershipSession> {
    const session = await openSession(
      {
        connection: this.o.connection,
        keys: this.keys,
        engineId: this.engineId,
        endpoint: this.o.endpoint,
        sessionTimeoutMs: this.o.sessionTimeoutMs,
        heartbeatMs: this.o.heartbeatMs,
        startedAt: this.startedAt,
        ...(this.previousPid !== undefined ? { previousPid: this.previousPid } : {}),
        log: this.o.log,
        ...(prepare ? { prepare } : {}),
      },
      {
        lost: (s, reason) => this.sessionLost(s, reason),
        notified: (notice) => {
          // Our own announcements change nothing we do not know.
          if (notice?.engine !== this.engineId) this.requestStep();
        },
      },
    );
    this.session = session;
    this.previousPid = session.pid;
    this.generation++;
    return session;
  }

  /**
   * Everything owned is dropped now, synchronously: the server may already have handed these
   * partitions to another engine, so nothing more may be accepted for them here.
   */
  private sessionLost(s: OwnershipSession, reason: string): void {
    if (s !== this.session) return;
    this.session = undefined;
    this.generation++;
    this.counts.sessionLosses++;
    const all = [...this.owned].sort((a, b) => a - b);
    this.owned.clear();
    this.o.log('warn', 'ownership session lost; dropped every partition, reconnecting', { engineId: this.engineId, reason, partitions: all.length });
    if (all.length > 0) this.drop(all, 'session-lost');
    this.emitChange();
    if (!this.closing) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closing) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delay * 2, this.o.sessionTimeoutMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.openSession().then(
        (s) => {
          if (this.closing) {
            void s.end();
            return;
          }
          this.reconnectDelayMs = this.o.reconnectMs;
          this.o.log('info', 'ownership session open again', { engineId: this.engineId, serverPid: s.pid });
          this.requestStep();
        },
        (err: Error) => {
          this.o.log('warn', 'cannot open the ownership session yet; retrying', { engineId: this.engineId, error: err.message });
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  // ---- operations, one at a time

  /** Queues an operation on the current session; skipped when there is none by then. Never rejects. */
  private run(op: Op): Promise<void> {
    this.queue = this.queue.then(async () => {
      const s = this.session;
      if (!s || !s.alive) return;
      const g = this.generation;
      try {
        await op(s, g);
      } catch (err) {
        // A failure of a lost session is the loss itself, already handled.
        if (g === this.generation && s.alive) this.o.log('warn', 'partition ownership step failed', { engineId: this.engineId, error: (err as Error).message });
      }
    });
    return this.queue;
  }

  /** One plan at a time, and at most one waiting: a burst of notices makes one more read, not many. */
  private requestStep(): void {
    if (this.stepQueued || this.closing || !this.session) return;
    this.stepQueued = true;
    const token = Symbol('step');
    this.stepToken = token;
    void this.run(async (s, g) => {
      this.stepQueued = false;
      await this.step(s, g);
    }).finally(() => {
      // Skipped (the session went before it ran): let the next poll queue one. A step queued
      // while this one ran has its own token and stays queued.
      if (this.stepToken === token) this.stepQueued = false;
    });
  }

  private async step(s: OwnershipSession, g: number): Promise<void> {
    const map = await readPartitionMap(s, this.keys, this.o.sessionTimeoutMs);
    if (g !== this.generation || this.closing) return;
    this.setMap(map);
    const plan = planBalance(ownersForPlan(map, this.engineId, this.owned), this.liveCount(map), this.engineId);
    if (plan.release.length > 0) await this.handOff(s, g, plan.release, 'handoff');
    else if (plan.take.length > 0 && Date.now() >= this.takeAfter) await this.take(s, g, plan.take);
  }

  private async take(s: OwnershipSession, g: number, wanted: readonly number[]): Promise<void> {
    const t0 = performance.now();
    const grants = await takePartitions(s, this.keys, this.engineId, this.o.endpoint, wanted);
    if (grants.length === 0 || g !== this.generation) return;
    const taken = grants.map((x) => x.partition);
    const phases = { lockMs: 0, adoptMs: 0 };
    try {
      phases.lockMs = performance.now() - t0;
      // adopt projects what the previous owners committed (on the engine's pool: a projection
      // waiting for another engine's here would hold up the heartbeat queued behind it on this
      // session, and a late heartbeat counts the session lost), then rebuilds from the tables.
      await this.o.hooks.adopt(grants);
      phases.adoptMs = performance.now() - t0 - phases.lockMs;
    } catch (err) {
      if (g !== this.generation) return; // the session went: so did the locks
      this.adoptFailures++;
      this.takeAfter = Date.now() + Math.min(this.o.pollMs * 2 ** this.adoptFailures, this.o.sessionTimeoutMs);
      this.o.log('warn', 'could not adopt taken partitions; giving them back', { engineId: this.engineId, partitions: taken.length, error: (err as Error).message });
      await releasePartitions(s, this.keys, this.engineId, taken);
      await this.refresh(s, g);
      return;
    }
    if (g !== this.generation) {
      // Adopted after the session was lost: the engine accepts for them now, so they are dropped now.
      this.drop(taken, 'session-lost');
      return;
    }
    this.adoptFailures = 0;
    for (const p of taken) this.owned.add(p);
    this.counts.takeovers += taken.length;
    this.counts.lastTakeoverMs = performance.now() - t0;
    this.o.log('info', 'partitions taken', {
      engineId: this.engineId, partitions: taken.length, owned: this.owned.size, ms: Math.round(this.counts.lastTakeoverMs),
      lockMs: Math.round(phases.lockMs), adoptMs: Math.round(phases.adoptMs),
    });
    await this.refresh(s, g);
  }

  /** quiesce → drop → rows cleared, locks released, announced. True when quiesce resolved. */
  private async handOff(s: OwnershipSession, g: number, partitions: readonly number[], why: 'handoff' | 'shutdown'): Promise<boolean> {
    let mine = partitions.filter((p) => this.owned.has(p));
    if (mine.length === 0) return true;
    let clean = true;
    try {
      await this.o.hooks.quiesce(mine);
    } catch (err) {
      // Released all the same: what was not committed is failed by drop, unacknowledged, and a
      // partition held by an engine that cannot commit for it helps no one.
      clean = false;
      this.o.log('warn', 'quiesce failed before a handoff; releasing without it', { engineId: this.engineId, partitions: mine.length, error: (err as Error).message });
    }
    if (g !== this.generation) return false; // lost meanwhile: dropped as 'session-lost'
    mine = mine.filter((p) => this.owned.has(p)); // fenced meanwhile
    for (const p of mine) this.owned.delete(p);
    this.drop(mine, why);
    await releasePartitions(s, this.keys, this.engineId, mine);
    if (clean) this.counts.handoffs += mine.length;
    this.o.log('info', 'partitions handed over', { engineId: this.engineId, partitions: mine.length, why, owned: this.owned.size });
    await this.refresh(s, g);
    return clean;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    // After whatever runs now (an adopt under way becomes owned, then handed over here).
    await this.run(async (s, g) => {
      const all = [...this.owned].sort((a, b) => b - a);
      if (await this.handOff(s, g, all, 'shutdown')) this.handedOff = g === this.generation;
    });
    const s = this.session;
    this.session = undefined;
    this.generation++;
    await s?.end();
    this.emitChange();
  }

  // ---- the map and the hooks

  private async refresh(s: OwnershipSession, g: number): Promise<void> {
    const map = await readPartitionMap(s, this.keys, this.o.sessionTimeoutMs);
    if (g === this.generation) this.setMap(map);
  }

  private setMap(map: PartitionMap): void {
    this.map = map;
    const sig = mapSignature(map);
    if (sig === this.mapSig) return;
    this.mapSig = sig;
    this.emitChange();
  }

  /** Live engines, this one included even before its own row is seen. */
  private liveCount(map: PartitionMap): number {
    return map.engines.length + (map.engines.some((e) => e.id === this.engineId) ? 0 : 1);
  }

  private drop(partitions: readonly number[], why: DropReason): void {
    if (partitions.length === 0) return;
    try {
      this.o.hooks.drop(partitions, why);
    } catch (err) {
      this.o.log('error', 'the drop hook threw; the partitions are not owned here all the same', { engineId: this.engineId, why, error: (err as Error).message });
    }
  }

  private emitChange(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.o.log('error', 'an ownership change listener threw', { error: (err as Error).message });
      }
    }
  }
}
