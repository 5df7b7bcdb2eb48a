/**
 * Packs portfolios' positions into the real-time kernel's batch (realtime-batch.ts) in the calling
 * thread: the pre-trade VaR estimator packs one portfolio, the in-process risk calculator a batch.
 * The pool's leg store packs the same legs the same way (packingOrder, legFlagsOf, the leg inputs
 * and time to expiry below), so the kernel sees the same numbers whichever packed them.
 */
import { expiryInstantMs, yearsToExpiry } from '../market/time-to-expiry.js';
import type { Position } from '../portfolio/types.js';
import { legFlagsOf, type PackedBatch, packingOrder } from './realtime-batch.js';

type Growable = Float64Array | Int32Array | Uint8Array;

/** `a` if it holds `need` entries, else a larger copy of it (grown ×2, so appends stay amortised O(1)). */
function ensure<A extends Growable>(a: A, need: number): A {
  if (a.length >= need) return a;
  const b = new (a.constructor as new (n: number) => A)(Math.max(need, 2 * a.length, 8));
  (b as Float64Array).set(a as Float64Array);
  return b;
}

/**
 * A batch built portfolio by portfolio over arrays grown to the largest batch seen and reused
 * (valid until the next reset). Not reentrant.
 */
export class PositionPacker {
  /** Underlying of each group of the batch, in group order (portfolio p's are groupStart[p]..groupStart[p+1]). */
  readonly groupNames: string[] = [];
  private nP = 0;
  private nS = 0;
  private nL = 0;
  private groupStart = new Int32Array(1);
  private rate = new Float64Array(0);
  private withMargin = new Uint8Array(0);
  private groupUnderlying = new Int32Array(0);
  private groupSpot = new Float64Array(0);
  private legStart = new Int32Array(1);
  private legFlags = new Uint8Array(0);
  private strike = new Float64Array(0);
  private tYears = new Float64Array(0);
  private vol = new Float64Array(0);
  private dividendYield = new Float64Array(0);
  private units = new Float64Array(0);
  private legCount = new Int32Array(0);
  private cursor = new Int32Array(0);
  private legAt = new Int32Array(0);
  private readonly portfolioGroups: string[] = [];
  private readonly column: ReadonlyMap<string, number>;

  /** `scenarioUnderlyings`: the scenario set's columns (an underlying outside them gets −1, its fallback). */
  constructor(scenarioUnderlyings: readonly string[]) {
    this.column = new Map(scenarioUnderlyings.map((u, i) => [u, i]));
  }

  reset(): void {
    this.nP = 0; this.nS = 0; this.nL = 0;
    this.groupNames.length = 0;
  }

  /**
   * Appends one portfolio valued at `nowMs`. Returns false when an underlying it holds has no spot
   * or an option has no usable vol: the leg is packed as NaN all the same, and the kernel then
   * rejects the batch naming this portfolio.
   */
  add(positions: readonly Position[], spots: ReadonlyMap<string, number>, rate: number, nowMs: number, withMargin: boolean): boolean {
    const nL = positions.length, p = this.nP, s0 = this.nS, l0 = this.nL;
    this.fit(p + 1, s0 + nL, l0 + nL, nL);
    const { groupUnderlying, groupSpot, legStart, legCount, legAt, legFlags, units, dividendYield, strike, vol, tYears } = this;
    const names = this.portfolioGroups;
    packingOrder(positions, names, legCount, this.cursor, legAt);
    const nS = names.length;
    let complete = true;
    for (let k = 0, at = l0; k < nS; k++) {
      const u = names[k] as string;
      const spot = spots.get(u);
      if (spot === undefined) complete = false;
      this.groupNames.push(u);
      groupUnderlying[s0 + k] = this.column.get(u) ?? -1;
      groupSpot[s0 + k] = spot ?? NaN;
      legStart[s0 + k] = at;
      at += legCount[k] as number;
    }
    for (let i = 0; i < nL; i++) {
      const x = positions[i] as Position;
      const j = l0 + (legAt[i] as number);
      const ins = x.instrument;
      let k = 1, v = 0, t = 0; // an underlying leg: harmless pricer inputs
      if (ins.kind === 'option') {
        k = ins.strike;
        v = x.vol ?? NaN;
        if (!(v >= 0)) complete = false;
        t = yearsToExpiry(nowMs, expiryInstantMs(ins.expiry)); // a date that is not one lands on 0
      }
      legFlags[j] = legFlagsOf(ins, x.style);
      units[j] = x.qty * x.multiplier;
      dividendYield[j] = x.dividendYield;
      strike[j] = k;
      vol[j] = v;
      tYears[j] = t;
    }
    this.rate[p] = rate;
    this.withMargin[p] = withMargin ? 1 : 0;
    this.nP = p + 1; this.nS = s0 + nS; this.nL = l0 + nL;
    this.groupStart[p + 1] = this.nS;
    legStart[this.nS] = this.nL;
    return complete;
  }

  /** The portfolios added since the last reset, as the kernel's batch (views of this packer's arrays). */
  batch(): PackedBatch {
    return {
      nPortfolios: this.nP, nGroups: this.nS, nLegs: this.nL, groupStart: this.groupStart, rate: this.rate, withMargin: this.withMargin,
      groupUnderlying: this.groupUnderlying, groupSpot: this.groupSpot, legStart: this.legStart, legFlags: this.legFlags,
      strike: this.strike, tYears: this.tYears, vol: this.vol, dividendYield: this.dividendYield, units: this.units,
    };
  }

  private fit(nP: number, nS: number, nL: number, positions: number): void {
    if (this.groupStart.length > nP && this.rate.length >= nP && this.legStart.length > nS && this.groupSpot.length >= nS
      && this.units.length >= nL && this.legAt.length >= positions) return;
    this.groupStart = ensure(this.groupStart, nP + 1); this.rate = ensure(this.rate, nP); this.withMargin = ensure(this.withMargin, nP);
    // At most one group per leg, so sizing groups by legs is always enough.
    this.groupUnderlying = ensure(this.groupUnderlying, nS); this.groupSpot = ensure(this.groupSpot, nS); this.legStart = ensure(this.legStart, nS + 1);
    this.legFlags = ensure(this.legFlags, nL); this.strike = ensure(this.strike, nL); this.tYears = ensure(this.tYears, nL);
    this.vol = ensure(this.vol, nL); this.dividendYield = ensure(this.dividendYield, nL); this.units = ensure(this.units, nL);
    this.legCount = ensure(this.legCount, positions); this.cursor = ensure(this.cursor, positions); this.legAt = ensure(this.legAt, positions);
  }
}
