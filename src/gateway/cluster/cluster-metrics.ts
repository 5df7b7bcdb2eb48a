/**
 * What the routing measures, as an injected interface: the composition root backs it with
 * prom-client (src/metrics), tests with counters or nothing. Suggested families:
 *   risk_cluster_forwarded_total{kind, outcome}             counter   (forwarded)
 *   risk_cluster_forward_seconds{kind}                      histogram (forwarded, roundTripMs / 1000)
 *   risk_cluster_move_waits_total{outcome}                  counter   (waited)
 *   risk_cluster_ticks_total{direction}                     counter   (ticks)
 */

/** What was forwarded: a websocket message by type, a REST request, or a subscription's watch. */
export type ForwardKind = 'order' | 'cancel' | 'replace' | 'rest' | 'watch';
/**
 * How it ended: `answered` by the owner (whatever the answer said to the client), `moving` (the
 * owner was not the owner any more, or the link dropped in flight), `failed` (the owner could not
 * handle it, or the proxy got no answer).
 */
export type ForwardOutcome = 'answered' | 'moving' | 'failed';
/** A message that found no owner: `routed` once one appeared, `timedOut` past the wait, `full` past the count. */
export type WaitOutcome = 'routed' | 'timedOut' | 'full';

export interface ClusterMetrics {
  /** One forward's round trip, from sending it to its answer. */
  forwarded(kind: ForwardKind, outcome: ForwardOutcome, roundTripMs: number): void;
  /** One message that waited for its partition's owner. */
  waited(outcome: WaitOutcome, waitedMs: number): void;
  /** Ticks sent to the other engines, or received from them. */
  ticks(direction: 'sent' | 'received', n: number): void;
}

export const NO_CLUSTER_METRICS: ClusterMetrics = { forwarded: () => {}, waited: () => {}, ticks: () => {} };
