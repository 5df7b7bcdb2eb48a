/** Loads the capital report: the book of the day (book-of-day-source.ts), then the Basel 2.5 document. */
import { type CapitalDocument, buildCapitalDocument } from '../../engine/reports/capital/capital-document.js';
import { type LoadedInput, ReportError, type ReportRequest, type ReportSources } from '../../workers/reports/report-definition.js';
import { loadBookOfDay } from './book-of-day-source.js';

export async function loadCapital(src: ReportSources, req: ReportRequest): Promise<LoadedInput<CapitalDocument>> {
  const { book, versions } = await loadBookOfDay(src, req);
  const doc = buildCapitalDocument(book, req.portfolioId);
  if (!doc.ok) throw new ReportError(doc.code, `capital of ${book.reportDate}: ${doc.message}`);
  return { input: doc.value, versions };
}
