import { handlePortfolioMessage } from './portfolio-actor.js';
import type { ActorContext, PortfolioEvent, PortfolioMessage, PortfolioState, Transition } from './types.js';

export type PortfolioHandler = (state: PortfolioState, msg: PortfolioMessage, ctx: ActorContext) => Transition;

/**
 * Runs a transition so that a throw restarts the actor from its last consistent state. States are
 * immutable, so that state is simply the input: the result is the unchanged state plus ActorFailed
 * (for the runtime to log) and, for an order command, an OrderRejected 'ACTOR_FAILED' so the client
 * still gets its answer. Other portfolios are untouched: each actor has its own state.
 * `handle` is injectable so tests (and a future supervisor) can wrap another transition.
 */
export function safeHandle(
  state: PortfolioState,
  msg: PortfolioMessage,
  ctx: ActorContext,
  handle: PortfolioHandler = handlePortfolioMessage,
): Transition {
  try {
    return handle(state, msg, ctx);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const events: PortfolioEvent[] = [{ type: 'ActorFailed', portfolioId: state.portfolioId, error }];
    const reject = (ids: { clientOrderId?: string; orderId?: string }): PortfolioEvent => ({
      type: 'OrderRejected',
      portfolioId: state.portfolioId,
      ...ids,
      code: 'ACTOR_FAILED',
      reason: `the portfolio actor failed on this request and kept its previous state: ${error}`,
    });
    if (msg.kind === 'SubmitOrder') events.push(reject({ clientOrderId: msg.request.clientOrderId }));
    else if (msg.kind === 'CancelOrder' || msg.kind === 'ReplaceOrder') events.push(reject({ orderId: msg.orderId }));
    return { state, events };
  }
}
