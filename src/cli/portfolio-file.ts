import { readFileSync } from 'node:fs';
import { findNodeAtLocation, parseTree, type Node as JsonNode, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { z } from 'zod';
import { isIsoDate, isoToEpochDay } from '../engine/market/dates.js';
import { parseOccSymbol } from '../engine/instruments/occ-symbol.js';
import type { Instrument, Position } from '../engine/portfolio/types.js';
import { CliError } from './errors.js';

/**
 * The portfolio file of the CLI (documented in the README):
 * {"asOf":"2014-12-31","rate":0.01,"positions":[{"instrument":"SPY","qty":100},
 *  {"instrument":"SPY   150320P00185000","qty":-10,"vol":0.21}]}
 */
const PositionEntry = z.object({
  instrument: z.string().min(1),
  qty: z.number(),
  multiplier: z.number().positive().optional(),
  vol: z.number().positive().max(20).optional(),
  dividendYield: z.number().min(-1).max(1).default(0),
  style: z.enum(['european', 'american']).default('european'),
});
const PortfolioFile = z.object({
  asOf: z.string().refine(isIsoDate, 'expected an ISO date YYYY-MM-DD'),
  rate: z.number().min(-1).max(1),
  positions: z.array(PositionEntry).min(1, 'a portfolio needs at least one position'),
});

/** The file as read: its date and rate as the schema has them, its positions resolved to instruments. */
export interface PortfolioFileContents extends Readonly<Pick<z.infer<typeof PortfolioFile>, 'asOf' | 'rate'>> {
  /** The file's path, for error messages. */
  readonly source: string;
  readonly positions: readonly Position[];
  /** Line in the file of each position, for error messages about it. */
  readonly positionLines: readonly number[];
}

// Tickers as the price folder names them: letters, digits, dot, dash, caret (^GSPC style indices).
const TICKER = /^[A-Z0-9][A-Z0-9.^-]{0,11}$/;

const lineAt = (text: string, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
};

/** Line of the deepest node that exists along `path` (a missing field is reported at its object). */
function lineOfPath(text: string, root: JsonNode | undefined, path: readonly PropertyKey[]): number {
  if (!root) return 1;
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(root, path.slice(0, n) as (string | number)[]);
    if (node) return lineAt(text, node.offset);
  }
  return 1;
}

export function parsePortfolioText(text: string, source: string): PortfolioFileContents {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  if (first || !root) {
    const where = first ? lineAt(text, first.offset) : 1;
    throw new CliError(`${source}:${where}: malformed JSON (${first ? printParseErrorCode(first.error) : 'empty file'})`);
  }
  const parsed = PortfolioFile.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.') || '(top level)';
    throw new CliError(`${source}:${lineOfPath(text, root, issue.path)}: ${path}: ${issue.message}`);
  }
  const f = parsed.data;
  const positionLines = f.positions.map((_, i) => lineOfPath(text, root, ['positions', i]));
  const positions = f.positions.map((p, i): Position => {
    const where = `${source}:${positionLines[i]}: positions.${i}`;
    const instrument = resolveInstrument(p.instrument, where);
    if (instrument.kind === 'option') {
      if (p.vol === undefined) throw new CliError(`${where}: option position "${p.instrument}" needs "vol" (its implied volatility)`);
      if (isoToEpochDay(instrument.expiry) < isoToEpochDay(f.asOf)) {
        throw new CliError(`${where}: option "${p.instrument}" expired on ${instrument.expiry}, before asOf ${f.asOf}`);
      }
    }
    return {
      instrument,
      qty: p.qty,
      multiplier: p.multiplier ?? (instrument.kind === 'option' ? 100 : 1),
      ...(p.vol !== undefined ? { vol: p.vol } : {}),
      dividendYield: p.dividendYield,
      style: p.style,
    };
  });
  return { source, asOf: f.asOf, rate: f.rate, positions, positionLines };
}

function resolveInstrument(symbol: string, where: string): Instrument {
  const occ = parseOccSymbol(symbol);
  if (occ.ok) return { kind: 'option', symbol, ...occ.value };
  if (TICKER.test(symbol)) return { kind: 'underlying', symbol };
  throw new CliError(`${where}: instrument "${symbol}" is neither a ticker (e.g. "ORCL") nor an OCC option symbol (e.g. "ORCL  150320P00040000")`);
}

export function readPortfolioFile(path: string): PortfolioFileContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`${path}: cannot read portfolio file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parsePortfolioText(text, path);
}
