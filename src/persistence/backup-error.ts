/** Every way a backup or a restore can fail for a reason the operator can fix, each with a stable code. */
export type BackupErrorCode =
  | 'BACKUP_FILE_MISSING'
  | 'BACKUP_NOT_A_BACKUP'
  | 'BACKUP_BAD_MANIFEST'
  | 'BACKUP_FORMAT_TOO_NEW'
  | 'BACKUP_TRUNCATED'
  | 'BACKUP_CORRUPT'
  | 'BACKUP_WRONG_KIND'
  | 'BACKUP_SCHEMA_TOO_NEW'
  | 'BACKUP_TARGET_EXISTS'
  | 'BACKUP_TARGET_IN_USE'
  | 'BACKUP_TOOL_MISSING'
  | 'BACKUP_TOOL_TOO_OLD'
  | 'BACKUP_TOOL_FAILED'
  | 'BACKUP_ENGINE_FAILED';

export class BackupError extends Error {
  constructor(readonly code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
  }
}
