/**
 * Halting a customer on every engine (scale-out: docs/SCALE-OUT.md). A customer's portfolios are
 * spread over the partitions, so over the engines: Engine.haltOwner halts only those this engine
 * hosts. The cluster-wide halt runs it here and asks every other live engine to run it there (a
 * `haltOwner` peer request), all at once, and answers with every portfolio halted.
 *
 * It succeeds only when every live engine answered that it halted the customer's portfolios it
 * hosts. An engine that cannot be reached (no link, the link dropped, no answer in time) makes the
 * answer ENGINE_UNREACHABLE, naming it and what was halted elsewhere: that engine's portfolios of
 * the customer may still trade, and the caller (screening-hits.ts) must not report the customer
 * halted. An engine that answers a failure makes the answer that failure's code (the first one).
 */
import type { OwnerHalt } from '../../engine/runtime/engine-api.js';
import { failure, ok, type Result } from '../../engine/result.js';
import { PeerUnreachableError } from './cluster-transport.js';
import type { PeerAnswer } from './peer-messages.js';

/** Some live engine did not answer the halt: its portfolios of the customer may not be halted. */
export const ENGINE_UNREACHABLE = 'ENGINE_UNREACHABLE';

/** Where a cluster-wide halt goes. */
export interface HaltReach {
  /** This engine's id. */
  readonly self: string;
  /** The other live engines (OwnershipView.engines without this one). */
  readonly peers: readonly string[];
  /** Engine.haltOwner on this engine. */
  readonly local: () => Promise<Result<OwnerHalt>>;
  /** The `haltOwner` request to one peer; rejects with PeerUnreachableError when it cannot be answered. */
  readonly ask: (peer: string) => Promise<PeerAnswer>;
}

/** What one engine did with the halt. */
type EngineOutcome =
  | { readonly engine: string; readonly kind: 'halted'; readonly portfolioIds: readonly string[] }
  | { readonly engine: string; readonly kind: 'unreachable'; readonly detail: string }
  | { readonly engine: string; readonly kind: 'failed'; readonly code: string; readonly message: string };

export async function haltOwnerEverywhere(ownerId: string, reach: HaltReach): Promise<Result<OwnerHalt>> {
  const local = reach.local().then((r): EngineOutcome => (r.ok
    ? { engine: reach.self, kind: 'halted', portfolioIds: r.value.portfolioIds }
    : { engine: reach.self, kind: 'failed', code: r.code, message: r.message }));
  const remote = reach.peers.map((peer) => reach.ask(peer).then(
    (a): EngineOutcome => {
      if (a.t === 'halted') return { engine: peer, kind: 'halted', portfolioIds: a.portfolioIds };
      if (a.t === 'failed') return { engine: peer, kind: 'failed', code: a.code, message: a.message };
      // `notOwner` (it is closing) or an answer of another kind: it did not say it halted anything.
      return { engine: peer, kind: 'unreachable', detail: `answered ${a.t}` };
    },
    (e: unknown): EngineOutcome => {
      if (e instanceof PeerUnreachableError) return { engine: peer, kind: 'unreachable', detail: e.message };
      return { engine: peer, kind: 'failed', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
    },
  ));
  const outcomes = await Promise.all([local, ...remote]);
  const portfolioIds = outcomes.flatMap((o) => (o.kind === 'halted' ? o.portfolioIds : []));
  const unreachable = outcomes.filter((o) => o.kind === 'unreachable');
  const failed = outcomes.filter((o) => o.kind === 'failed');
  if (unreachable.length === 0 && failed.length === 0) return ok({ ownerId, portfolioIds });
  const code = unreachable.length > 0 ? ENGINE_UNREACHABLE : (failed[0] as { code: string }).code;
  const parts = [
    `halted ${portfolioIds.length} portfolios of ${ownerId}${portfolioIds.length > 0 ? ` (${portfolioIds.join(', ')})` : ''}`,
    ...unreachable.map((o) => `engine ${o.engine} not reached (${o.detail}): its portfolios of ${ownerId} may still trade`),
    ...failed.map((o) => `engine ${o.engine} failed: ${o.code}: ${o.message}`),
  ];
  return failure(code, parts.join('; '));
}
