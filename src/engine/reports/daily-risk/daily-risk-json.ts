/** The daily risk document as canonical JSON (sorted keys, numbers as JavaScript prints them), one trailing newline. */
import { type Json, canonicalJson } from '../risk-common/canonical-json.js';
import type { DailyRiskDocument } from './daily-risk-document.js';

export function dailyRiskJson(doc: DailyRiskDocument): string {
  return `${canonicalJson(doc as unknown as Json)}\n`;
}
