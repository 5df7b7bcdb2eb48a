/**
 * The answer of a cluster-wide halt from what each engine said (the end-to-end halt over real
 * gateways is in cluster-customers.test.ts): whole only when every engine halted, an engine not
 * reached named and coded ENGINE_UNREACHABLE, an engine's failure passed on with its code.
 */
import { describe, expect, it } from 'vitest';
import { failure, ok } from '../../../src/engine/result.js';
import { ENGINE_UNREACHABLE, haltOwnerEverywhere } from '../../../src/gateway/cluster/cluster-halt.js';
import { PeerUnreachableError } from '../../../src/gateway/cluster/cluster-transport.js';
import type { PeerAnswer } from '../../../src/gateway/cluster/peer-messages.js';

const answers = (byPeer: Record<string, PeerAnswer | Error>) => (peer: string): Promise<PeerAnswer> => {
  const a = byPeer[peer];
  return a instanceof Error ? Promise.reject(a) : Promise.resolve(a as PeerAnswer);
};

describe('a cluster-wide halt', () => {
  it('lists every engine\'s halted portfolios when all of them answered', async () => {
    const r = await haltOwnerEverywhere('c1', {
      self: 'A', peers: ['B', 'C'], local: async () => ok({ ownerId: 'c1', portfolioIds: ['P1'] }),
      ask: answers({ B: { t: 'halted', portfolioIds: ['P2', 'P3'] }, C: { t: 'halted', portfolioIds: [] } }),
    });
    expect(r).toEqual({ ok: true, value: { ownerId: 'c1', portfolioIds: ['P1', 'P2', 'P3'] } });
  });

  it('is ENGINE_UNREACHABLE when an engine is not reached or says it is not serving, even if another failed too', async () => {
    const r = await haltOwnerEverywhere('c1', {
      self: 'A', peers: ['B', 'C', 'D'], local: async () => ok({ ownerId: 'c1', portfolioIds: ['P1'] }),
      ask: answers({ B: new PeerUnreachableError('B', 'no link'), C: { t: 'failed', code: 'MAILBOX_FULL', message: 'full' }, D: { t: 'notOwner' } }),
    });
    expect(r).toMatchObject({ ok: false, code: ENGINE_UNREACHABLE });
    if (!r.ok) {
      expect(r.message).toContain('halted 1 portfolios of c1 (P1)');
      expect(r.message).toContain('engine B not reached');
      expect(r.message).toContain('engine D not reached');
      expect(r.message).toContain('engine C failed: MAILBOX_FULL');
    }
  });

  it("passes on the first failing engine's code when every engine answered", async () => {
    const r = await haltOwnerEverywhere('c1', {
      self: 'A', peers: ['B'], local: async () => failure('PARTITION_MOVING', 'moving'),
      ask: answers({ B: { t: 'halted', portfolioIds: ['P2'] } }),
    });
    expect(r).toMatchObject({ ok: false, code: 'PARTITION_MOVING' });
    if (!r.ok) expect(r.message).toContain('P2');
  });
});
