/** Finding pg_dump: the newest copy on the machine, refused with the fix when older than the server. */
import { describe, expect, it } from 'vitest';
import { findPgTool, parseToolVersion } from '../../src/persistence/pg-tools.js';

describe('pg_dump and pg_restore are found by version', () => {
  it('reads the major from the tool\'s --version line', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n')?.major).toBe(15);
    expect(parseToolVersion('pg_restore (PostgreSQL) 9.6.24')?.major).toBe(9);
    expect(parseToolVersion('something else')).toBeUndefined();
  });

  it('takes a pg_dump of the server\'s major or newer from this machine', async () => {
    const tool = await findPgTool('pg_dump', 15);
    expect(tool.major).toBeGreaterThanOrEqual(15);
  });

  it('refuses a pg_dump older than the server, naming the package to install', async () => {
    await expect(findPgTool('pg_dump', 99)).rejects.toMatchObject({ code: 'BACKUP_TOOL_TOO_OLD', message: expect.stringContaining('postgresql-client-99') as unknown });
  });
});
