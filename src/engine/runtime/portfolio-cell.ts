/**
 * The engine's record of one hosted portfolio: its actor state and mailbox, and the few fields each
 * collaborator keeps beside them. One object per portfolio, mutated in place, so that the tick and
 * recalculation paths read fields instead of looking anything up by name.
 */
import { Mailbox } from '../actors/mailbox.js';
import type { QuietBand } from '../actors/order-matching.js';
import type { Holding, PortfolioEvent, PortfolioMessage, PortfolioState, RiskSnapshot } from '../actors/types.js';
import type { EngineEvent } from './engine-api.js';
import type { RecalcOutput } from './risk-calculator.js';

/** A message waiting in a portfolio's mailbox. */
export interface Pending {
  readonly msg: PortfolioMessage;
  /** Receives the events the message caused, once they may be told (the acknowledgement rule). */
  readonly done?: (events: readonly PortfolioEvent[] | 'moved') => void;
  /** Who sent the message (JWT subject), for the audit trail; `engine` when absent. */
  readonly by?: string;
}

/** The newest pool result of a portfolio not yet turned into a RiskSnapshot, filled in place (risk-snapshots.ts). */
export interface PendingRisk {
  /** Holds a result not yet read (the snapshot build clears it). */
  ready: boolean;
  out: RecalcOutput | undefined;
  tickTs: number;
  seq: number;
  computedMs: number;
  margin: number;
  marginMs: number;
  /** The actor state the figures were computed for (cash and cost basis come from it). */
  state: PortfolioState | undefined;
}

/** What the pool is given for a portfolio: one record per cell, refilled at each dispatch (recalc-pump.ts). */
export interface RecalcInputRecord {
  portfolioId: string;
  holdings: readonly Holding[];
  spots: ReadonlyMap<string, number>;
  rate: number;
  nowMs: number;
  withMargin: boolean;
}

export interface PortfolioCell {
  state: PortfolioState;
  readonly mailbox: Mailbox<Pending>;

  // ---- tick routing (tick-router.ts) ----
  /** Underlyings this portfolio is indexed under (holdings and open orders). */
  underlyings: Set<string>;
  /** Per underlying of its open orders, the prices at which none of them reacts. */
  orderBands: Map<string, QuietBand>;
  /** Newest tick ts among its underlyings, so that a recalculation knows which ticks it includes. */
  latestTickTs: number;
  /** Every underlying it is indexed under has had a price (cleared when one is added). */
  priced: boolean;

  // ---- recalculation (recalc-pump.ts) ----
  /** The coalescer's status of this portfolio (0: idle; see recalc-coalescer.ts). */
  recalcStatus: number;
  readonly recalcInput: RecalcInputRecord;
  /** The holdings map `holdingsArray` was built from (states are immutable: same map, same array). */
  holdingsFrom: ReadonlyMap<string, Holding> | undefined;
  holdingsArray: readonly Holding[];

  /** Results of its book read so far (sweep-driver.ts): newer figures have a larger count. */
  sweepTaken: number;
  /** The newest of those its risk subscribers were told of (sweep-driver.ts). */
  sweepPublished: number;

  // ---- risk snapshots (risk-snapshots.ts) ----
  seq: number;
  lastMarginMs: number;
  lastMargin: number;
  readonly pendingRisk: PendingRisk;
  /** The `risk` event of this portfolio, emitted for every result: its getter reads the newest. */
  readonly riskEvent: EngineEvent;
  /** Its partition went to another engine (Engine.release): late results of it are dropped. */
  released: boolean;
}

/** What a new cell is wired to; shared by every cell of one engine. */
export interface CellWiring {
  readonly mailboxCapacity: number;
  /** Handles one message of the cell's mailbox; never throws. */
  readonly handle: (cell: PortfolioCell, p: Pending) => void;
  readonly onMailboxError: (err: unknown) => void;
  /** The newest snapshot of a cell, read by its `risk` event's getter. */
  readonly riskOf: (cell: PortfolioCell) => RiskSnapshot | undefined;
  /** The engine's live price map (RecalcInput.spots). */
  readonly spots: ReadonlyMap<string, number>;
  readonly rate: number;
}

export function newPortfolioCell(state: PortfolioState, w: CellWiring): PortfolioCell {
  const cell: PortfolioCell = {
    state,
    mailbox: new Mailbox<Pending>(w.mailboxCapacity, (p) => w.handle(cell, p), w.onMailboxError),
    underlyings: new Set(),
    orderBands: new Map(),
    latestTickTs: 0,
    priced: false,
    recalcStatus: 0,
    recalcInput: { portfolioId: state.portfolioId, holdings: [], spots: w.spots, rate: w.rate, nowMs: 0, withMargin: false },
    holdingsFrom: undefined,
    holdingsArray: [],
    sweepTaken: 0,
    sweepPublished: 0,
    released: false,
    seq: 0,
    lastMarginMs: -Infinity,
    lastMargin: 0,
    pendingRisk: { ready: false, out: undefined, tickTs: 0, seq: 0, computedMs: 0, margin: 0, marginMs: 0, state: undefined },
    riskEvent: { type: 'risk', portfolioId: state.portfolioId, get risk(): RiskSnapshot { return w.riskOf(cell) as RiskSnapshot; } },
  };
  return cell;
}
