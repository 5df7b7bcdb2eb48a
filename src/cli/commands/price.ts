import { z } from 'zod';
import { optionGreeks } from '../../engine/pricing/option-pricer.js';
import { impliedVol } from '../../engine/pricing/implied-vol.js';
import type { Greeks } from '../../engine/pricing/types.js';
import { defineCommand } from '../command.js';
import { ExitCode } from '../errors.js';
import { answerLines } from '../io.js';
import { describeZodError } from '../schema-errors.js';

const finite = z.number();
const PriceLine = z
  .object({
    type: z.enum(['call', 'put']),
    style: z.enum(['european', 'american']).default('european'),
    spot: finite.positive(),
    strike: finite.positive(),
    t: finite.nonnegative(),
    rate: finite.min(-1).max(1),
    dividendYield: finite.min(-1).max(1).default(0),
    vol: finite.nonnegative().max(20).optional(),
    price: finite.nonnegative().optional(),
  })
  .refine((l) => l.vol !== undefined || l.price !== undefined, {
    message: 'give "vol" to price the option, or "price" (and no "vol") for its implied volatility',
  });
type PriceLine = z.infer<typeof PriceLine>;

/** The output of one line, already serialised, and whether it failed. */
interface LineResult {
  readonly json: string;
  readonly failed: boolean;
}

const errorLine = (line: number, code: string, message: string): LineResult => ({
  json: JSON.stringify({ error: message, code, line }),
  failed: true,
});

function greeksJson(g: Greeks): string {
  return JSON.stringify({
    price: g.price, delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.thetaPerYear,
    rho: g.rho, vanna: g.vanna, volga: g.volga, charm: g.charmPerYear,
  });
}

/** Handles one input line; never throws. */
export function priceLine(text: string, lineNo: number): LineResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return errorLine(lineNo, 'MALFORMED_JSON', `malformed JSON: ${(e as Error).message}`);
  }
  const parsed = PriceLine.safeParse(raw);
  if (!parsed.success) return errorLine(lineNo, 'INVALID_INPUT', describeZodError(parsed.error));
  const l: PriceLine = parsed.data;
  const inputs = { type: l.type, spot: l.spot, strike: l.strike, tYears: l.t, rate: l.rate, dividendYield: l.dividendYield };
  if (l.vol !== undefined) {
    const g = optionGreeks({ ...inputs, vol: l.vol }, l.style);
    // A model that cannot produce a finite number must say so, never print null or a wrong figure.
    for (const v of Object.values(g)) {
      if (!Number.isFinite(v)) return errorLine(lineNo, 'NUMERICAL_FAILURE', 'the model produced a non-finite value for these inputs');
    }
    return { json: greeksJson(g), failed: false };
  }
  const iv = impliedVol({ ...inputs, style: l.style, price: l.price as number });
  if (!iv.ok) return errorLine(lineNo, iv.code, iv.message);
  return { json: JSON.stringify({ impliedVol: iv.vol }), failed: false };
}


export const priceCommand = defineCommand({
  name: 'price',
  summary: 'price options or find implied vols, JSON Lines on stdin → stdout',
  usage: '< options.jsonl > results.jsonl',
  description: `Prices options, or finds their implied volatility, one JSON object per input line (JSON Lines).
Streams: a million lines run in constant memory; output lines come in input order.

Input line:
  {"type":"call"|"put", "style":"european"|"american" (default european),
   "spot":S, "strike":K, "t":years (Actual/365), "rate":r (continuous),
   "dividendYield":q (continuous, default 0), "vol":sigma}
  A line with "price" and no "vol" asks for the implied volatility instead.

Output line:
  {"price","delta","gamma","vega","theta","rho","vanna","volga","charm"}
    vega per 1.00 of vol, rho per 1.00 of rate, theta and charm per year of calendar time.
  {"impliedVol":x} for an implied-volatility line.
  {"error":"...","code":"...","line":N} for a line that is malformed or has no answer
    (e.g. a price below intrinsic value); the run goes on.

Exit code: 0 when every line succeeded, 1 when any line failed.`,
  flags: {},
  footer: `Example:
  echo '{"type":"call","spot":100,"strike":100,"t":1,"rate":0.05,"dividendYield":0,"vol":0.2}' | risk-engine price`,
  async run(_f, io) {
    const anyFailed = await answerLines(io, (text, lineNo) =>
      // A blank line still gets its (error) output line, so output line N always answers input line N.
      text.trim() === '' ? errorLine(lineNo, 'MALFORMED_JSON', 'empty line') : priceLine(text, lineNo));
    return anyFailed ? ExitCode.DataError : ExitCode.Ok;
  },
});
