/**
 * `risk-engine screen`: sanctions screening of JSON Lines on stdin, one result a line on stdout, for
 * batch re-screening of a customer base. The query is the REST route's body (gateway/
 * compliance-routes.ts) plus an optional `id` echoed back; a bad line is answered with
 * {error, code, line} and the run goes on.
 */
import { z } from 'zod';
import type { SanctionsIndex } from '../../engine/compliance/sanctions/index.js';
import { SanctionsCheckBody, screeningQuery } from '../../gateway/compliance-routes.js';
import { SANCTIONS_LIST_DEFAULTS, SanctionsListError, loadSanctionsIndex } from '../../persistence/sanctions-list.js';
import { defineCommand } from '../command.js';
import { CliError, ExitCode } from '../errors.js';
import { answerLines } from '../io.js';
import { describeZodError } from '../schema-errors.js';

const ScreenLine = SanctionsCheckBody.extend({ id: z.string().max(200).optional() });

/** The output line answering input line `lineNo`, and whether it failed. Never throws. */
export function screenLine(index: SanctionsIndex, text: string, lineNo: number): { json: string; failed: boolean } {
  const error = (code: string, message: string) => ({ json: JSON.stringify({ error: message, code, line: lineNo }), failed: true });
  if (text.trim() === '') return error('MALFORMED_JSON', 'empty line');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return error('MALFORMED_JSON', `malformed JSON: ${(e as Error).message}`);
  }
  const parsed = ScreenLine.safeParse(raw);
  if (!parsed.success) return error('INVALID_INPUT', describeZodError(parsed.error));
  const { id, ...query } = parsed.data;
  const result = index.screen(screeningQuery(query));
  return { json: JSON.stringify(id === undefined ? result : { id, ...result }), failed: false };
}


export const screenCommand = defineCommand({
  name: 'screen',
  summary: 'screen names against the OFAC SDN list, JSON Lines on stdin → stdout',
  usage: '[--list DIR] < customers.jsonl > results.jsonl',
  description: `Screens each input line against the sanctions list (the OFAC SDN list's four CSV files in --list)
and writes one result line per input line, in order.

Input line:
  {"name":"...", "dateOfBirth":"YYYY-MM-DD"|"YYYY-MM"|"YYYY" (optional), "country":"..." (optional),
   "type":"individual"|"entity" (optional), "id":"..." (optional, echoed back)}

Output line:
  {"id"?, "listVersion":"<sha-256 of the list files>", "decision":"clear"|"review"|"block",
   "matches":[{"entNum","name","matchedName","score","programs","type","explanation"}]}
  {"error":"...","code":"MALFORMED_JSON"|"INVALID_INPUT","line":N} for a line that is not a query; the run goes on.

Thresholds and how scores are made: docs/COMPLIANCE.md ("Sanctions screening").
Exit code: 0 when every line was screened, 1 when any line failed or the list cannot be read.`,
  flags: {
    list: { type: 'string', value: 'DIR', help: `folder of sdn.csv, alt.csv, add.csv and sdn_comments.csv (default ${SANCTIONS_LIST_DEFAULTS.dir})` },
  },
  footer: `Example:
  echo '{"name":"Osama bin Laden","dateOfBirth":"1957"}' | risk-engine screen --list data/ofac`,
  async run(f, io) {
    let index: SanctionsIndex;
    try {
      index = await loadSanctionsIndex(f.list ?? SANCTIONS_LIST_DEFAULTS.dir);
    } catch (e) {
      if (e instanceof SanctionsListError) throw new CliError(`cannot read the sanctions list: ${e.message}`);
      throw e;
    }
    const anyFailed = await answerLines(io, (text, lineNo) => screenLine(index, text, lineNo));
    return anyFailed ? ExitCode.DataError : ExitCode.Ok;
  },
});
