/**
 * A change that will not be acknowledged here because its portfolio's partition is no longer this
 * engine's (a takeover fenced it, the ownership session was lost, or it is being handed over).
 * Nothing of it is durable through this engine: the client may send it again (with its
 * clientOrderId) and the partition's new owner answers it. Kept in the engine (pure, no I/O) so
 * that the engine and the gateway can recognise it without importing the persistence layer.
 */
export class PartitionMovedError extends Error {
  readonly code = 'PARTITION_MOVING';
  /** The client may send the same message again: the new owner answers it. */
  readonly retryable = true;
  constructor(readonly partition: number, message = `partition ${partition} is moving to another engine; send again`) {
    super(message);
    this.name = 'PartitionMovedError';
  }
}

/** Whether `err` is a PartitionMovedError (also across module copies, by its stable code). */
export function isPartitionMoved(err: unknown): err is PartitionMovedError {
  return err instanceof PartitionMovedError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'PARTITION_MOVING');
}
