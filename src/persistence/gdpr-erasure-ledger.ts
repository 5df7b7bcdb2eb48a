/**
 * The erasure ledger: every erasure, outside the database. Why: a backup taken before an erasure
 * holds the person's wrapped data key and, in clear, their email; restored, it would bring the
 * erased person back. The ledger is not in any database backup (like the master keys, it lives
 * beside the engine: DATA_DIR/gdpr-erasures.jsonl by default), and before an engine serves, and
 * after `risk-engine restore`, every erasure it lists is applied again (gdpr-erasures-pg.ts
 * `reapply`): the data key rows restored are deleted again, the email replaced again.
 *
 * One JSON line per erasure, appended and fsynced BEFORE the database is changed: it is the
 * erasure's commit point, so an erasure interrupted half-way is finished at the next start.
 * It holds no personal data: the random user id, the pseudonym, when, the officer, their reason.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** The ledger's file name in DATA_DIR. */
export const GDPR_LEDGER_FILE = 'gdpr-erasures.jsonl';

export const ErasureLedgerEntry = z.strictObject({
  userId: z.string().min(1),
  pseudonym: z.string().min(1),
  atMs: z.number().int().nonnegative(),
  by: z.string().min(1),
  reason: z.string().min(1),
});
export type ErasureLedgerEntry = z.infer<typeof ErasureLedgerEntry>;

export interface ErasureLedger {
  /** Durable when it resolves. */
  append(e: ErasureLedgerEntry): Promise<void>;
  entries(): Promise<ErasureLedgerEntry[]>;
  /** Where it is, for messages. */
  readonly where: string;
}

export class ErasureLedgerError extends Error {
  readonly code = 'GDPR_LEDGER_CORRUPT';
  constructor(message: string) {
    super(message);
    this.name = 'ErasureLedgerError';
  }
}

export function fileErasureLedger(path: string): ErasureLedger {
  return {
    where: path,
    async append(e) {
      const line = `${JSON.stringify(ErasureLedgerEntry.parse(e))}\n`;
      mkdirSync(dirname(path), { recursive: true });
      const fd = openSync(path, 'a', 0o600);
      try {
        writeSync(fd, line);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    async entries() {
      if (!existsSync(path)) return [];
      const out: ErasureLedgerEntry[] = [];
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          // A torn last line (a crash mid-append, before the database was touched) is not an erasure.
          if (i === lines.length - 1) return;
          throw new ErasureLedgerError(`${path}: line ${i + 1} is not JSON`);
        }
        const r = ErasureLedgerEntry.safeParse(parsed);
        if (!r.success) throw new ErasureLedgerError(`${path}: line ${i + 1} is not an erasure: ${r.error.issues[0]?.message ?? 'invalid'}`);
        out.push(r.data);
      });
      return out;
    },
  };
}

export function memoryErasureLedger(): ErasureLedger {
  const rows: ErasureLedgerEntry[] = [];
  return {
    where: 'memory',
    async append(e) {
      rows.push(ErasureLedgerEntry.parse(e));
    },
    async entries() {
      return [...rows];
    },
  };
}
