/** Every error the ownership coordinator raises, with a stable code and a message that says what was expected. */
export type OwnershipErrorCode =
  /** An option is out of range; the message lists every bad one. */
  | 'OWNERSHIP_BAD_OPTION'
  /** The partitions table holds another partition count than this engine's PARTITIONS. */
  | 'PARTITIONS_MISMATCH'
  /** A live engine (its ownership session holds the member lock) already has this ENGINE_ID. */
  | 'ENGINE_ID_IN_USE'
  /** The ownership session could not be opened (PostgreSQL unreachable, migrations not run). */
  | 'OWNERSHIP_UNAVAILABLE';

export class OwnershipError extends Error {
  /** The message without its code, to quote inside another. */
  readonly detail: string;

  constructor(readonly code: OwnershipErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'OwnershipError';
    this.detail = message;
  }
}

export const ownershipErrors = {
  badOptions: (problems: readonly string[]) =>
    new OwnershipError('OWNERSHIP_BAD_OPTION', `openOwnership: ${problems.join('; ')}`),
  partitionsMismatch: (schema: string, found: number, wanted: number) =>
    new OwnershipError(
      'PARTITIONS_MISMATCH',
      `schema ${schema} is partitioned in ${found} partitions, this engine is configured with ${wanted}: every engine of a deployment needs the same PARTITIONS (changing it needs a repartitioning, not a restart)`,
    ),
  engineIdInUse: (engineId: string, holder: string) =>
    new OwnershipError('ENGINE_ID_IN_USE', `engine id ${JSON.stringify(engineId)} is already used by a live engine (${holder}): give each engine its own ENGINE_ID`),
  unavailable: (cause: unknown) =>
    new OwnershipError('OWNERSHIP_UNAVAILABLE', `cannot open the ownership session: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
};
