/**
 * What the report loaders read through (report-definition.ts ReportSources): the database, the
 * settings, and customers' identities decrypted from their KYC cases.
 *
 * The data keys are a fresh WrappedDataKeys per report job, not a cache shared with the engine:
 * the report worker runs beside the engine (often on a thread of its own), and a key it had cached
 * must not outlive an erasure made by the engine meanwhile (data-keys.ts says a cache is its
 * process's). One report reads a few hundred customers at most, so the lookups cost little.
 */
import type pg from 'pg';
import { type CustomerIdentity, ReportError, type ReportSettings, type ReportSources } from '../../workers/reports/report-definition.js';
import { pgDataKeys } from '../data-keys.js';
import { KycStore } from '../kyc-store.js';
import { PgKycRows } from '../kyc-rows-pg.js';
import type { MasterKeys } from '../master-keys.js';

export function pgReportSources(pool: pg.Pool, settings: ReportSettings, masterKeys: MasterKeys): ReportSources {
  const kyc = new KycStore(new PgKycRows(pool), pgDataKeys(pool, masterKeys));
  const seen = new Map<string, Promise<CustomerIdentity | null>>();
  return {
    pool,
    settings,
    identityOf(userId) {
      let p = seen.get(userId);
      if (!p) {
        p = kyc.readPersonal(userId).then((r) => {
          // No case, or erased (its key shredded): the loader decides what that means for its report.
          if (!r.ok && (r.code === 'KYC_NOT_FOUND' || r.code === 'FIELD_KEY_MISSING')) return null;
          // A field that does not open otherwise was changed or damaged: no report is made from it.
          if (!r.ok) throw new ReportError('REPORT_IDENTITY_UNREADABLE', `the KYC identity of customer ${userId} does not open (${r.code}): ${r.message}`);
          const s = r.value.submission;
          const a = s.address;
          return {
            userId,
            legalName: `${s.legalName.givenNames} ${s.legalName.surname}`,
            givenNames: s.legalName.givenNames,
            surname: s.legalName.surname,
            dateOfBirth: s.dateOfBirth,
            nationality: s.nationality,
            countryOfResidence: s.countryOfResidence,
            address: [a.line1, a.line2, a.postalCode, a.city, a.country].filter((x) => x !== undefined && x !== '').join(', '),
            documentType: s.document.type,
            documentNumber: s.document.number,
          };
        });
        seen.set(userId, p);
      }
      return p;
    },
  };
}
