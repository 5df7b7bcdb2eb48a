/**
 * The scale-out settings when unset (docs/SCALE-OUT.md): a frozen engine loses its partitions
 * after sessionTimeoutMs (plus a poll), a killed one within a poll of its sockets closing; a
 * message for a partition without an owner waits moveWaitMs for one.
 */
export const CLUSTER_DEFAULTS = Object.freeze({ sessionTimeoutMs: 3000, pollMs: 200, moveWaitMs: 2000 });
