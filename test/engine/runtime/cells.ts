import type { PortfolioState } from '../../../src/engine/actors/types.js';
import { newPortfolioCell, type PortfolioCell } from '../../../src/engine/runtime/portfolio-cell.js';

/** A cell for a collaborator's unit test: its mailbox handles nothing, its risk event reads nothing. */
export function cellOf(state: PortfolioState, spots: ReadonlyMap<string, number> = new Map()): PortfolioCell {
  return newPortfolioCell(state, {
    mailboxCapacity: 4,
    handle: () => {},
    onMailboxError: (err) => { throw err; },
    riskOf: () => undefined,
    spots,
    rate: 0.04,
  });
}
