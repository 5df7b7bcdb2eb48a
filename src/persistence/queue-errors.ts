/** Every error the queue layer raises, with a stable code and a message that says what was expected. */
export type QueueErrorCode =
  | 'QUEUE_BAD_OPTION'
  | 'QUEUE_BACKEND_UNAVAILABLE'
  | 'QUEUE_CLOSED'
  | 'QUEUE_DRAIN_TIMEOUT'
  | 'QUEUE_DEAD_LETTER_ID'
  | 'QUEUE_DEAD_LETTER_NOT_FOUND'
  | 'QUEUE_REPLAY_INVALID'
  | 'QUEUE_PAYLOAD_INVALID'
  | 'QUEUE_ROWS_REJECTED';

export class QueueError extends Error {
  /** The message without its code, to quote inside another. */
  readonly detail: string;

  constructor(readonly code: QueueErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'QueueError';
    this.detail = message;
  }
}

export const queueErrors = {
  badOption: (name: string, value: unknown, expected: string) =>
    new QueueError('QUEUE_BAD_OPTION', `openQueues: ${name} = ${JSON.stringify(value)}, expected ${expected}`),
  unavailable: (what: string, cause: unknown) =>
    new QueueError('QUEUE_BACKEND_UNAVAILABLE', `cannot open the queues on ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
  closed: () => new QueueError('QUEUE_CLOSED', 'the queues are closed; open new ones'),
  drainTimeout: (timeoutMs: number, pending: string) =>
    new QueueError('QUEUE_DRAIN_TIMEOUT', `queues still had jobs after ${timeoutMs} ms (${pending}); are the workers running?`),
  deadLetterId: (id: string) =>
    new QueueError('QUEUE_DEAD_LETTER_ID', `dead letter id ${JSON.stringify(id)} should be <queue>:<job id> with queue persist, aml or report`),
  deadLetterNotFound: (id: string, state: string) =>
    new QueueError('QUEUE_DEAD_LETTER_NOT_FOUND', `no dead letter ${id} (the job is ${state}, expected failed)`),
  replayInvalid: (id: string, issues: string) =>
    new QueueError('QUEUE_REPLAY_INVALID', `the corrected data for ${id} is still invalid: ${issues}`),
  /** A snapshot store refused a batch for its rows' content (PostgreSQL SQLSTATE class 22 or 23): a retry would fail alike. */
  rowsRejected: (table: string, why: string, cause?: unknown) =>
    new QueueError('QUEUE_ROWS_REJECTED', `${table} rows refused: ${why}`, cause === undefined ? undefined : { cause }),
} as const;
