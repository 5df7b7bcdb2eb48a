/**
 * What the large options position report reads: the book at the end of the day (positionsAsOf) and
 * the KYC identity of the customers it reports, and only theirs (a customer below the threshold is
 * not decrypted for this report).
 */
import { createHash } from 'node:crypto';
import { type LargePositionsInput, type ReportedIdentity } from '../../engine/reports/large-positions/large-positions-report.js';
import { reportableSides } from '../../engine/reports/large-positions/large-position-aggregation.js';
import { periodMs } from '../../engine/reports/period-bounds.js';
import type { LoadedInput, ReportSources } from '../../workers/reports/report-definition.js';
import { positionsAsOf } from './positions-as-of.js';

export async function loadLargePositions(src: ReportSources, day: string): Promise<LoadedInput<LargePositionsInput>> {
  const { endMs } = periodMs(day, day);
  const book = await positionsAsOf(src.pool, endMs);
  const positions = book.positions.map((p) => ({ portfolioId: p.portfolioId, ownerId: p.ownerId, instrument: p.instrument, qty: p.qty }));
  const threshold = src.settings.largePositionContracts;
  const owners = [...new Set(reportableSides(positions, threshold).flatMap((s) => (s.account.kind === 'customer' ? [s.account.ownerId] : [])))].sort();
  const identities: Record<string, ReportedIdentity | null> = {};
  for (const ownerId of owners) {
    const i = await src.identityOf(ownerId);
    identities[ownerId] = i ? { legalName: i.legalName, address: i.address, documentType: i.documentType, documentNumber: i.documentNumber } : null;
  }
  // The identities' version is their digest: a KYC resubmission changes the report, and the digest says so
  // without storing the personal data beside the report.
  const identitiesSha256 = createHash('sha256').update(JSON.stringify(owners.map((o) => [o, identities[o]]))).digest('hex');
  return {
    input: { day, thresholdContracts: threshold, firmLei: src.settings.firmLei ?? null, positions, identities },
    versions: { fills: book.fills, asOfMs: endMs, identitiesSha256 },
  };
}
