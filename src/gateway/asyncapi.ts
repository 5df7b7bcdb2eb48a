/**
 * The websocket protocol as an AsyncAPI 3.0 document (served at GET /asyncapi.json), generated
 * from the zod schemas: protocol.ts for what a client sends, server-frames.ts for what the server
 * sends. docs/PROTOCOL.md stays the prose; this is for code generators and validators.
 *
 * Written from the engine's side, as AsyncAPI 3 wants: the engine `receive`s client messages and
 * `send`s its own. Every frame is one binary MessagePack map (the examples are written as JSON
 * values, the same data); text frames are refused with BAD_FRAME.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { packageRoot } from '../package-root.js';
import { AuthMsg, CancelMsg, OrderMsg, ReplaceMsg, SubscribeMsg, TickMsg, UnsubscribeMsg } from './protocol.js';
import {
  AlertFrame, AuthenticatedFrame, ErrorFrame, FillFrame, OrderAckFrame, OrderUpdateFrame, RejectFrame, RiskFrame, SubscribedFrame, TickAckFrame, TickFrame, UnsubscribedFrame,
} from './server-frames.js';

export const ASYNCAPI_CONTENT_TYPE = 'application/msgpack';

type Example = Record<string, unknown>;
export interface ProtocolMessage {
  /** Key in components.messages. */
  readonly key: string;
  readonly direction: 'fromClient' | 'fromServer';
  readonly schema: z.ZodType;
  readonly summary: string;
  readonly examples: readonly Example[];
  /** fromClient: the keys of the server messages that answer it. */
  readonly replies?: readonly string[];
}

/** Every message of the protocol, with examples (the session of docs/PROTOCOL.md). */
export const PROTOCOL_MESSAGES: readonly ProtocolMessage[] = [
  {
    key: 'auth', direction: 'fromClient', schema: AuthMsg, replies: ['authenticated', 'error'],
    summary: 'Authenticate a connection opened without a token, or re-authenticate before exp (same sub). Exactly one of token and apiKey.',
    examples: [{ type: 'auth', id: 1, token: 'eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.e30.c2ln' }, { type: 'auth', id: 'a', apiKey: 'rk_live_0123456789abcdef' }],
  },
  {
    key: 'subscribe', direction: 'fromClient', schema: SubscribeMsg, replies: ['subscribed', 'error'],
    summary: 'Subscribe to risk / orders (a portfolio, or every one the grants cover), market (a symbol, or all) or alerts (compliance officers).',
    examples: [{ type: 'subscribe', id: 2, channel: 'risk', portfolioId: 'P1' }, { type: 'subscribe', channel: 'market', symbol: 'AAA' }],
  },
  {
    key: 'unsubscribe', direction: 'fromClient', schema: UnsubscribeMsg, replies: ['unsubscribed', 'error'],
    summary: 'Drop a subscription.', examples: [{ type: 'unsubscribe', id: 3, channel: 'risk', portfolioId: 'P1' }],
  },
  {
    key: 'tick', direction: 'fromClient', schema: TickMsg, replies: ['tickAck', 'error'],
    summary: 'A market-data tick (feed role). Answered only when it has an id, or when held (ack status held, code TICK_HELD).',
    examples: [{ type: 'tick', symbol: 'AAA', price: 101.25, ts: 1768510800000.5 }],
  },
  {
    key: 'order', direction: 'fromClient', schema: OrderMsg, replies: ['orderAck', 'reject', 'error'],
    summary: 'A new order (trader). Idempotent per portfolio by clientOrderId: a copy is answered with the original outcome.',
    examples: [
      { type: 'order', id: 3, portfolioId: 'P1', clientOrderId: 'c-1', instrument: 'AAA', side: 'buy', qty: 5, orderType: 'market' },
      { type: 'order', id: 5, portfolioId: 'P1', clientOrderId: 'c-3', instrument: 'AAA  260116C00150000', side: 'sell', qty: 5, orderType: 'limit', limitPrice: 2.5, counterparty: { name: 'Acme Bank', country: 'DE' } },
    ],
  },
  {
    key: 'cancel', direction: 'fromClient', schema: CancelMsg, replies: ['orderAck', 'reject', 'error'],
    summary: 'Cancel an open order.', examples: [{ type: 'cancel', id: 8, portfolioId: 'P1', orderId: 'P1-o3' }],
  },
  {
    key: 'replace', direction: 'fromClient', schema: ReplaceMsg, replies: ['orderAck', 'reject', 'error'],
    summary: 'Change an open order\'s qty, limitPrice or stopPrice.', examples: [{ type: 'replace', id: 9, portfolioId: 'P1', orderId: 'P1-o3', qty: 3 }],
  },
  {
    key: 'authenticated', direction: 'fromServer', schema: AuthenticatedFrame, summary: 'The credential was accepted.',
    examples: [{ type: 'authenticated', id: 1, sub: 'alice', grants: [{ role: 'trader', portfolios: ['P1'] }], roles: ['trader'], expMs: 1768512600000 }],
  },
  { key: 'subscribed', direction: 'fromServer', schema: SubscribedFrame, summary: 'The subscription is held.', examples: [{ type: 'subscribed', id: 2, channel: 'risk', portfolioId: 'P1' }] },
  { key: 'unsubscribed', direction: 'fromServer', schema: UnsubscribedFrame, summary: 'The subscription is dropped.', examples: [{ type: 'unsubscribed', id: 3, channel: 'risk', portfolioId: 'P1' }] },
  {
    key: 'orderAck', direction: 'fromServer', schema: OrderAckFrame, summary: 'An order, cancel or replace was accepted (durable: the acknowledgement rule); immediate fills follow.',
    examples: [{ type: 'ack', id: 3, orderId: 'P1-o1', clientOrderId: 'c-1', status: 'filled', filledQty: 5 }],
  },
  {
    key: 'tickAck', direction: 'fromServer', schema: TickAckFrame, summary: 'A tick with an id was accepted, or a tick was held by the market-data checks.',
    examples: [{ type: 'ack', id: 't1', status: 'accepted' }, { type: 'ack', status: 'held', code: 'TICK_HELD', symbol: 'AAA', price: 250 }],
  },
  {
    key: 'reject', direction: 'fromServer', schema: RejectFrame, summary: 'The engine (or counterparty screening) refused an order, cancel or replace; code is its reason code.',
    examples: [{ type: 'reject', id: 4, code: 'MAX_ORDER_QTY', reason: 'qty 50000 > limit 10000', clientOrderId: 'c-2' }],
  },
  {
    key: 'fill', direction: 'fromServer', schema: FillFrame, summary: "A fill of the sender's order, or on the orders channel.",
    examples: [{ type: 'fill', fillId: 'P1-f1', orderId: 'P1-o1', clientOrderId: 'c-1', portfolioId: 'P1', instrument: 'AAA', side: 'buy', qty: 5, price: 101.25, ts: 1768510800010.2 }],
  },
  {
    key: 'orderUpdate', direction: 'fromServer', schema: OrderUpdateFrame, summary: 'An order status update on the orders channel.',
    examples: [{ type: 'order', orderId: 'P1-o3', clientOrderId: 'c-3', portfolioId: 'P1', instrument: 'AAA', side: 'sell', qty: 5, orderType: 'stop', stopPrice: 95, status: 'open', filledQty: 0, updatedMs: 1768510800011 }],
  },
  {
    key: 'risk', direction: 'fromServer', schema: RiskFrame, summary: "A portfolio's live risk on the risk channel (conflated, newest per portfolio, for a slow consumer).",
    examples: [{
      type: 'risk', portfolioId: 'P1', seq: 7, tickTs: 1768510800000.5, computedMs: 1768510800003.1,
      greeks: { delta: 901.7, gamma: 29.18, vega: 6828, theta: -10989.1, rho: 14789 },
      byUnderlying: { AAA: { spot: 101.25, delta: 901.7, gamma: 29.18, vega: 6828, theta: -10989.1, rho: 14789, dollarDelta: 91297.1, dollarGamma: 299147.2 } },
      marketValue: 120500, equity: 1000000, pnl: { realised: 0, unrealised: 1250, total: 1250 },
      var: { method: 'delta-gamma', confidence: 0.95, value: 2950.4, esConfidence: 0.975, es: 3520.9 },
      margin: { method: 'span', requirement: 18000, computedMs: 1768510799000 }, leverage: 0.4, breaches: [],
    }],
  },
  { key: 'marketTick', direction: 'fromServer', schema: TickFrame, summary: 'An accepted tick on the market channel.', examples: [{ type: 'tick', symbol: 'AAA', price: 101.25, ts: 1768510800000.5 }] },
  {
    key: 'alert', direction: 'fromServer', schema: AlertFrame, summary: 'A new AML alert on the alerts channel, once stored.',
    examples: [{
      type: 'alert', alertId: '42', rule: 'STRUCTURING', severity: 'high', state: 'open', customerId: 'u-1', portfolioId: 'P1', fillId: 'P1-f9', notional: 9900,
      assignee: null, createdMs: 1768510800100, updatedMs: 1768510800100, evidence: { fillIds: ['P1-f7', 'P1-f8', 'P1-f9'], orderIds: ['P1-o7', 'P1-o8', 'P1-o9'], figures: { count: 3 } },
    }],
  },
  {
    key: 'error', direction: 'fromServer', schema: ErrorFrame, summary: 'A message was refused (gateway or engine code); the connection stays up.',
    examples: [{ type: 'error', id: 6, code: 'FORBIDDEN', message: 'token does not cover portfolio P2' }],
  },
];

/** The client message types the gateway's ClientMsg union accepts. */
export const CLIENT_MESSAGE_KEYS = PROTOCOL_MESSAGES.filter((m) => m.direction === 'fromClient').map((m) => m.key);

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  // draft-07: the base of the AsyncAPI Schema format. A tick's price and ts are any number
  // (the engine judges them), which JSON Schema cannot say more narrowly than "anything".
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any', io }) as Record<string, unknown>;
  return rest;
}

const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export function buildAsyncApi(version: string): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  for (const m of PROTOCOL_MESSAGES) {
    messages[m.key] = {
      name: m.key,
      title: m.key,
      summary: m.summary,
      contentType: ASYNCAPI_CONTENT_TYPE,
      payload: jsonSchema(m.schema, m.direction === 'fromClient' ? 'input' : 'output'),
      examples: m.examples.map((payload, i) => ({ name: `${m.key}${i + 1}`, payload })),
    };
    channelMessages[m.key] = { $ref: `#/components/messages/${m.key}` };
  }
  const ref = (key: string) => ({ $ref: `#/channels/ws/messages/${key}` });
  const operations: Record<string, unknown> = {};
  for (const m of PROTOCOL_MESSAGES) {
    operations[`${m.direction === 'fromClient' ? 'receive' : 'send'}${pascal(m.key)}`] = {
      action: m.direction === 'fromClient' ? 'receive' : 'send',
      channel: { $ref: '#/channels/ws' },
      summary: m.summary,
      messages: [ref(m.key)],
      ...(m.replies ? { reply: { channel: { $ref: '#/channels/ws' }, messages: m.replies.map(ref) } } : {}),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Risk engine websocket',
      version,
      description: 'The real-time options risk engine\'s websocket, from the engine\'s side (it receives client messages and sends its own). '
        + 'Every frame is one binary MessagePack map whose field `type` names the message; examples are shown as JSON values. '
        + 'A message with `id` gets a reply echoing it. Prose, limits and close codes: docs/PROTOCOL.md. A typed client: src/client.',
    },
    defaultContentType: ASYNCAPI_CONTENT_TYPE,
    servers: {
      engine: {
        host: 'localhost:8080', protocol: 'ws', pathname: '/ws',
        description: 'Plaintext (development). A connection opened without a credential must send `auth` within authTimeoutMs (10 s).',
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/apiKey' }],
      },
      engineTls: {
        host: 'localhost:8080', protocol: 'wss', pathname: '/ws',
        description: 'When the engine terminates TLS (TLS_CERT_FILE, TLS_KEY_FILE).',
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/apiKey' }],
      },
    },
    channels: {
      ws: {
        address: '/ws',
        title: 'The websocket',
        description: 'One connection carries requests, replies and the pushed frames of its subscriptions (risk, orders, market, alerts).',
        messages: channelMessages,
        bindings: {
          ws: {
            method: 'GET',
            headers: { type: 'object', properties: { Authorization: { type: 'string', description: '`Bearer <jwt>` or `ApiKey <key>`; or send `auth` after opening' } } },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: {
      messages,
      securitySchemes: {
        bearer: {
          type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
          description: 'An EdDSA access token (typ at+jwt) of the engine\'s signing keys, at the upgrade (Authorization header) or in the `auth` message\'s `token`.',
        },
        apiKey: {
          type: 'httpApiKey', name: 'Authorization', in: 'header',
          description: 'An API key, as `Authorization: ApiKey <key>` at the upgrade or in the `auth` message\'s `apiKey`.',
        },
      },
    },
  };
}

/** The document for this build, with the package's version. */
export function asyncApiDocument(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return buildAsyncApi(pkg.version ?? '0.0.0');
}
