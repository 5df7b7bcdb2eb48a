/**
 * REST admin routes as plain functions: (engine, principal, request, body) → status and JSON.
 * server.ts wires them to uWS; the role and portfolio checks are the same table as the websocket's.
 */
import { streamedRisk } from '../engine/actors/streamed-risk.js';
import type { Order, RiskSnapshot } from '../engine/actors/types.js';
import type { EngineApi } from '../engine/runtime/engine-api.js';
import { type Action, authorizeOrderChange, covers, scopeOf } from './authorize.js';
import { errors } from './errors.js';
import { type HttpResult, fail } from './http-util.js';
import * as z from 'zod';
import { CreatePortfolioBody, SetLimitsBody, SubmitTradeBody } from './protocol.js';
import { FORBIDDEN } from './route-doc.js';
import { type RouteContext, type RouteSpec, denied, parseBody } from './route-spec.js';

const ok = (status: number, body?: unknown): HttpResult => ({ status, body });

/** The order the path names, once the principal may `action` it (role, then its portfolio): the order, or the 403/404. */
function pathOrder(c: RouteContext, action: Action): { order: Order } | HttpResult {
  const id = c.req.params[0] ?? '';
  const d = denied(c.principal, action);
  if (d) return d;
  const order = c.engine.getOrder(id);
  if (!order) return fail(404, errors.notFound(`order ${id}`));
  return denied(c.principal, action, order.portfolioId) ?? { order };
}

/** Portfolio ids a list route should cover: the one asked for, or every one the token sees. */
function scope(c: RouteContext): { ids: readonly string[] } | HttpResult {
  const asked = c.req.query.get('portfolioId');
  if (asked !== null) {
    const d = denied(c.principal, 'read', asked);
    if (d) return d;
    if (c.engine.getPortfolio(asked) === undefined) return fail(404, errors.notFound(`portfolio ${asked}`));
    return { ids: [asked] };
  }
  const d = denied(c.principal, 'read');
  if (d) return d;
  return { ids: c.engine.listPortfolioIds().filter((id) => covers(c.principal, 'read', id)) };
}

/** Engine failure → HTTP status: unknown things 404, duplicates 409, the rest 400. */
function outcomeStatus(code: string): number {
  if (/NOT_FOUND|UNKNOWN/.test(code)) return 404;
  if (/EXISTS|DUPLICATE|CONFLICT|NOT_OPEN/.test(code)) return 409;
  return 400;
}

const riskOrNull = (r: RiskSnapshot | undefined) => (r === undefined ? null : streamedRisk(r));

function orderWithFills(engine: EngineApi, order: Order) {
  return { order, fills: engine.fillsOf(order.orderId) };
}

/** GET /trades page size: default and most. */
export const TRADES_PAGE = { default: 100, max: 1000 } as const;

/**
 * The cursor of GET /trades: opaque to clients (base64url), it names the log it is a position in,
 * so a cursor of one portfolio's list is refused on another's instead of skipping orders.
 */
function encodeCursor(scope: string, pos: number): string {
  return Buffer.from(JSON.stringify([scope, pos])).toString('base64url');
}

function decodeCursor(raw: string, scope: string): number | undefined {
  if (raw.length > 256) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && v[0] === scope && Number.isSafeInteger(v[1]) && (v[1] as number) >= 0) return v[1] as number;
  } catch {
    // not ours
  }
  return undefined;
}

/** The query of the list routes that cover one portfolio or every one the caller may read. */
const ScopeQuery = z.object({ portfolioId: z.string().optional().describe('One portfolio; omitted: every portfolio the caller may read.') });

/** GET /trades's query, for the document (the handler reads it by hand to keep its BAD_QUERY messages). */
const TradesQuery = z.object({
  portfolioId: z.string().optional().describe('One portfolio; omitted: every portfolio the caller may read.'),
  limit: z.int().min(1).max(TRADES_PAGE.max).default(TRADES_PAGE.default).describe('Orders per page.'),
  cursor: z.string().max(256).optional().describe('The nextCursor of the previous page of this same list.'),
});

const ORDER_EXAMPLE = { portfolioId: 'demo-0000', clientOrderId: 'c-1', instrument: 'AAA', side: 'buy', qty: 10, orderType: 'limit', limitPrice: 101.5 };

export const ROUTES: readonly RouteSpec[] = [
  {
    method: 'post', pattern: '/portfolios', paramCount: 0, hasBody: true,
    doc: {
      summary: 'Create a portfolio', tags: ['portfolios'], body: CreatePortfolioBody,
      description: 'Admins. Answered once the portfolio would survive a crash. A position without avgPrice is booked at its mark.',
      bodyExample: { portfolioId: 'p-1', cash: 1_000_000, positions: [{ instrument: 'AAA', qty: 100 }], limits: { maxOrderQty: 1000 } },
      responses: { 201: { description: 'Created: {portfolioId}' } },
      errors: { 400: ['INVALID_MESSAGE', 'INVALID_INSTRUMENT', 'MISSING_VOL', 'INVALID_LIMITS'], ...FORBIDDEN, 409: ['PORTFOLIO_EXISTS'] },
    },
    handle: async (c) => {
      const b = parseBody(CreatePortfolioBody, c.body);
      if (!b.ok) return b.result;
      const d = denied(c.principal, 'createPortfolio', b.value.portfolioId);
      if (d) return d;
      // The engine answers once the portfolio would survive a crash (engine-api.ts).
      const r = await c.engine.createPortfolio(b.value, c.principal.sub);
      if (!r.ok) return fail(outcomeStatus(r.code), { code: r.code, message: r.message });
      return ok(201, r.value);
    },
  },
  {
    method: 'get', pattern: '/portfolios/:id', paramCount: 1, hasBody: false,
    doc: {
      summary: 'A portfolio: cash, holdings, open orders, limits, trading state, risk', tags: ['portfolios'],
      responses: { 200: { description: '{portfolioId, ownerId?, cash, holdings, openOrders, limits, tradingState, tradingStateReason?, risk?}' } },
      errors: { ...FORBIDDEN, 404: ['NOT_FOUND'] },
    },
    handle: (c) => {
      const id = c.req.params[0] ?? '';
      const d = denied(c.principal, 'read', id);
      if (d) return d;
      const view = c.engine.getPortfolio(id);
      return view ? ok(200, view) : fail(404, errors.notFound(`portfolio ${id}`));
    },
  },
  {
    method: 'get', pattern: '/risk/positions', paramCount: 0, hasBody: false,
    doc: {
      summary: 'Positions of one portfolio or of every covered one', tags: ['risk'], query: ScopeQuery,
      responses: { 200: { description: '{positions: [{portfolioId, instrument, qty, multiplier, vol?, dividendYield, style, avgPrice, realisedPnl}]}' } },
      errors: { ...FORBIDDEN, 404: ['NOT_FOUND'] },
    },
    handle: (c) => {
      const s = scope(c);
      if (!('ids' in s)) return s;
      const positions = [];
      for (const id of s.ids) for (const h of c.engine.getPortfolio(id)?.holdings ?? []) positions.push({ portfolioId: id, ...h });
      return ok(200, { positions });
    },
  },
  {
    method: 'get', pattern: '/risk/portfolio', paramCount: 0, hasBody: false,
    doc: {
      summary: 'The latest risk (Greeks, P&L, VaR, margin) of one portfolio or of every covered one', tags: ['risk'], query: ScopeQuery,
      responses: { 200: { description: 'With portfolioId: {portfolioId, risk | null}; without: {portfolios: [{portfolioId, risk}]}' } },
      errors: { ...FORBIDDEN, 404: ['NOT_FOUND'] },
    },
    handle: (c) => {
      const s = scope(c);
      if (!('ids' in s)) return s;
      const portfolios = s.ids.map((id) => ({ portfolioId: id, risk: riskOrNull(c.engine.getRisk(id)) }));
      return ok(200, c.req.query.has('portfolioId') ? portfolios[0] : { portfolios });
    },
  },
  {
    method: 'post', pattern: '/risk/limits', paramCount: 0, hasBody: true,
    doc: {
      summary: "Set a portfolio's pre-trade limits and/or trading state", tags: ['risk'], body: SetLimitsBody,
      description: 'Limit fields may be nested in `limits` or sit at the top level (the top level wins). Give limits, tradingState or both.',
      bodyExample: { portfolioId: 'demo-0000', limits: { maxOrderQty: 500 }, tradingState: 'reducing' },
      responses: { 200: { description: '{portfolioId, limits, tradingState}' } },
      errors: { 400: ['INVALID_MESSAGE', 'INVALID_LIMITS'], ...FORBIDDEN, 404: ['NOT_FOUND'] },
    },
    handle: async (c) => {
      const b = parseBody(SetLimitsBody, c.body);
      if (!b.ok) return b.result;
      const { portfolioId, limits, tradingState } = b.value;
      const d = denied(c.principal, 'limits', portfolioId);
      if (d) return d;
      if (c.engine.getPortfolio(portfolioId) === undefined) return fail(404, errors.notFound(`portfolio ${portfolioId}`));
      if (limits !== undefined) {
        const r = await c.engine.setLimits(portfolioId, limits, c.principal.sub);
        if (!r.ok) return fail(outcomeStatus(r.code), { code: r.code, message: r.message });
      }
      if (tradingState !== undefined) {
        const r = await c.engine.setTradingState(portfolioId, tradingState, c.principal.sub);
        if (!r.ok) return fail(outcomeStatus(r.code), { code: r.code, message: r.message });
      }
      const view = c.engine.getPortfolio(portfolioId);
      return ok(200, { portfolioId, limits: view?.limits, tradingState: view?.tradingState });
    },
  },
  {
    method: 'post', pattern: '/trades', paramCount: 0, hasBody: true,
    doc: {
      summary: 'Submit an order', tags: ['trades'], body: SubmitTradeBody, bodyExample: ORDER_EXAMPLE,
      description: 'Idempotent by clientOrderId: the same order posted again gets the original answer.',
      responses: {
        201: { description: '{order, fills}' },
        409: { description: 'The clientOrderId was accepted with other fields: {code: DUPLICATE_CLIENT_ORDER_ID, reason, clientOrderId, orderId}' },
        422: { description: "The engine rejected the order: {code (the engine's reason code, e.g. MAX_ORDER_NOTIONAL, MAILBOX_FULL), reason, clientOrderId}" },
      },
      errors: { 400: ['INVALID_MESSAGE'], ...FORBIDDEN, 404: ['NOT_FOUND'], 409: ['DUPLICATE_CLIENT_ORDER_ID'] },
    },
    handle: async (c) => {
      const b = parseBody(SubmitTradeBody, c.body);
      if (!b.ok) return b.result;
      const { portfolioId, ...req } = b.value;
      const d = denied(c.principal, 'trade', portfolioId);
      if (d) return d;
      if (c.engine.getPortfolio(portfolioId) === undefined) return fail(404, errors.notFound(`portfolio ${portfolioId}`));
      const out = await c.engine.submitOrder(portfolioId, req, c.principal.sub);
      // A clientOrderId already used with other fields conflicts with that order (409, named); a
      // copy with the same fields gets the original's 201 again (engine-api.ts, submitOrder).
      if (out.kind === 'reject') {
        return ok(out.code === 'DUPLICATE_CLIENT_ORDER_ID' ? 409 : 422, {
          code: out.code, reason: out.message, clientOrderId: out.clientOrderId ?? req.clientOrderId, ...(out.orderId !== undefined ? { orderId: out.orderId } : {}),
        });
      }
      return ok(201, { order: out.order, fills: out.fills });
    },
  },
  {
    method: 'get', pattern: '/trades', paramCount: 0, hasBody: false,
    doc: {
      summary: 'Orders and their fills, in creation order, a page at a time', tags: ['trades'], query: TradesQuery,
      responses: { 200: { description: '{orders, fills, nextCursor?}: go on while there is a nextCursor' } },
      errors: { 400: ['BAD_QUERY'], ...FORBIDDEN, 404: ['NOT_FOUND'] },
    },
    handle: (c) => {
      const s = scope(c);
      if (!('ids' in s)) return s;
      const asked = c.req.query.get('portfolioId') ?? undefined;
      const rawLimit = c.req.query.get('limit');
      const limit = rawLimit === null ? TRADES_PAGE.default : Number(rawLimit);
      if (!(Number.isInteger(limit) && limit >= 1 && limit <= TRADES_PAGE.max)) return fail(400, errors.badQuery('limit', `an integer from 1 to ${TRADES_PAGE.max}`));
      const scopeKey = asked ?? '*';
      const rawCursor = c.req.query.get('cursor');
      const from = rawCursor === null ? 0 : decodeCursor(rawCursor, scopeKey);
      if (from === undefined) return fail(400, errors.badQuery('cursor', 'the nextCursor of an earlier page of this same list'));
      const covered = scopeOf(c.principal, 'read') === null ? undefined : new Set(s.ids);
      const page = c.engine.tradePage(asked !== undefined ? { portfolioId: asked } : covered ? { include: (id) => covered.has(id) } : {}, from, limit);
      return ok(200, { orders: page.orders, fills: page.fills, ...(page.next !== undefined ? { nextCursor: encodeCursor(scopeKey, page.next) } : {}) });
    },
  },
  {
    method: 'get', pattern: '/trades/:id', paramCount: 1, hasBody: false,
    doc: {
      summary: 'One order and its fills', tags: ['trades'],
      responses: { 200: { description: '{order, fills}' } },
      errors: { ...FORBIDDEN, 404: ['NOT_FOUND'] },
    },
    handle: (c) => {
      const o = pathOrder(c, 'read');
      if (!('order' in o)) return o;
      return ok(200, orderWithFills(c.engine, o.order));
    },
  },
  {
    method: 'del', pattern: '/trades/:id', paramCount: 1, hasBody: false,
    doc: {
      summary: 'Cancel an open order', tags: ['trades'],
      responses: { 204: { description: 'Cancelled' } },
      errors: { ...FORBIDDEN, 404: ['NOT_FOUND'], 409: ['CONFLICT', 'UNKNOWN_ORDER'] },
    },
    handle: async (c) => {
      const o = pathOrder(c, 'cancel');
      if (!('order' in o)) return o;
      const order = o.order, id = order.orderId;
      const refused = authorizeOrderChange(c.principal, 'cancel', order);
      if (refused !== null) return fail(403, errors.forbidden(refused));
      if (order.status !== 'open') return fail(409, errors.conflict(`order ${id} is ${order.status}, not open`));
      const out = await c.engine.cancelOrder(order.portfolioId, id, c.principal.sub);
      // The order may have filled between the look-up and the cancel.
      if (out.kind === 'reject') return fail(409, { code: out.code, message: out.message });
      return ok(204);
    },
  },
];
