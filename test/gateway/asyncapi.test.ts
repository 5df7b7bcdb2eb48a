/**
 * The AsyncAPI document (src/gateway/asyncapi.ts): it names every frame of the protocol, its
 * examples are valid, its structure is what AsyncAPI 3.0 requires, the gateway serves it, and the
 * frames a real engine sends match it. JSON Schema checks use ajv (draft-07, the AsyncAPI schema base).
 */
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASYNCAPI_CONTENT_TYPE, CLIENT_MESSAGE_KEYS, PROTOCOL_MESSAGES, asyncApiDocument } from '../../src/gateway/asyncapi.js';
import { CLIENT_MSG_TYPES, ClientMsg, type ServerMsg } from '../../src/gateway/protocol.js';
import { Client, type Stack, httpJson, startStack } from './harness.js';

const doc = asyncApiDocument() as any;
const ajv = new Ajv({ allErrors: true });
const validators = new Map(Object.entries(doc.components.messages).map(([k, m]: [string, any]) => [k, ajv.compile(m.payload)]));
/** Every `type` the server sends; a Record so that a new ServerMsg type fails to compile here until listed. */
const SERVER_TYPES: Record<ServerMsg['type'], true> = {
  authenticated: true, subscribed: true, unsubscribed: true, ack: true, reject: true, fill: true, order: true, risk: true, tick: true, alert: true, error: true,
};
const typeOf = (m: any): string => m.payload.properties?.type.const ?? m.payload.anyOf?.[0]?.properties.type.const;
/** The document's messages that a frame of this direction and type may be. */
const messagesFor = (direction: 'fromClient' | 'fromServer', type: string) => PROTOCOL_MESSAGES.filter((m) => m.direction === direction && typeOf(doc.components.messages[m.key]) === type);

function resolve(ref: string): unknown {
  return ref.replace(/^#\//, '').split('/').reduce<any>((node, part) => node?.[part], doc);
}

describe('the AsyncAPI document of the websocket', () => {
  it('has a message for every client type the gateway accepts and every type the server sends', () => {
    const clientTypes = ClientMsg.options.map((o) => o.shape.type.value);
    expect(new Set(clientTypes)).toEqual(new Set(CLIENT_MSG_TYPES));
    for (const t of clientTypes) expect(messagesFor('fromClient', t), t).toHaveLength(1);
    expect(CLIENT_MESSAGE_KEYS).toHaveLength(clientTypes.length);
    for (const t of Object.keys(SERVER_TYPES)) expect(messagesFor('fromServer', t).length, t).toBeGreaterThan(0);
  });

  it('validates every example against its zod schema and against the JSON Schema it publishes', () => {
    for (const m of PROTOCOL_MESSAGES) {
      expect(m.examples.length, m.key).toBeGreaterThan(0);
      for (const ex of doc.components.messages[m.key].examples) {
        expect(m.schema.safeParse(ex.payload).success, `${m.key} ${JSON.stringify(ex.payload)}`).toBe(true);
        const v = validators.get(m.key)!;
        expect(v(ex.payload), `${m.key}: ${ajv.errorsText(v.errors)}`).toBe(true);
        if (m.direction === 'fromClient') expect(ClientMsg.safeParse(ex.payload).success).toBe(true);
      }
    }
  });

  it('publishes the schemas strictly: an unknown key or a missing field is refused, as the gateway refuses it', () => {
    expect(validators.get('order')!({ type: 'order', portfolioId: 'P1', clientOrderId: 'c', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market', limitprice: 1 })).toBe(false);
    expect(validators.get('order')!({ type: 'order', portfolioId: 'P1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' })).toBe(false);
    expect(validators.get('subscribe')!({ type: 'subscribe', channel: 'nope' })).toBe(false);
  });

  it('has the structure AsyncAPI 3.0 requires, and every $ref resolves', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc.defaultContentType).toBe(ASYNCAPI_CONTENT_TYPE);
    for (const s of Object.values<any>(doc.servers)) expect(s).toMatchObject({ host: expect.any(String), protocol: expect.stringMatching(/^wss?$/), pathname: '/ws' });
    for (const c of Object.values<any>(doc.channels)) expect(c.address).toBe('/ws');
    for (const [name, op] of Object.entries<any>(doc.operations)) {
      expect(['send', 'receive'], name).toContain(op.action);
      expect(op.channel.$ref).toBe('#/channels/ws');
      // AsyncAPI 3: an operation's messages are those of its channel.
      for (const r of [...op.messages, ...(op.reply?.messages ?? [])]) expect(r.$ref, name).toMatch(/^#\/channels\/ws\/messages\//);
    }
    for (const m of Object.values<any>(doc.components.messages)) expect(m).toMatchObject({ name: expect.any(String), payload: expect.any(Object), contentType: ASYNCAPI_CONTENT_TYPE });
    for (const s of Object.values<any>(doc.components.securitySchemes)) expect(['http', 'httpApiKey']).toContain(s.type);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      const target = r.slice(9, -1);
      if (target.startsWith('#/components/') || target.startsWith('#/channels/')) expect(resolve(target), target).toBeDefined();
    }
  });
});

describe('GET /asyncapi.json and the frames of a real engine', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    expect((await stack.engine.createPortfolio({ portfolioId: 'P1', cash: 1_000_000 }, 'test')).ok).toBe(true);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the document without a token', async () => {
    const r = await httpJson(stack, 'GET', '/asyncapi.json');
    expect(r.status).toBe(200);
    expect(r.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('sends only frames that one of the documented messages accepts', async () => {
    const feed = await Client.login(stack.url, await stack.token('feed', ['feed'], []));
    const c = await Client.login(stack.url, await stack.token('alice', ['trader'], ['P1']));
    await c.request({ type: 'subscribe', channel: 'orders', portfolioId: 'P1' });
    await c.request({ type: 'subscribe', channel: 'risk', portfolioId: 'P1' });
    await c.request({ type: 'subscribe', channel: 'market' });
    await feed.request({ type: 'tick', symbol: 'AAA', price: 100, ts: stack.nextTickTs() });
    await c.request({ type: 'order', portfolioId: 'P1', clientOrderId: 'a1', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' });
    const open = await c.request({ type: 'order', portfolioId: 'P1', clientOrderId: 'a2', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit', limitPrice: 95 });
    await c.request({ type: 'replace', portfolioId: 'P1', orderId: open.orderId, qty: 2 });
    await c.request({ type: 'order', portfolioId: 'P1', clientOrderId: 'a3', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'limit' });
    await c.request({ type: 'order', portfolioId: 'P2', clientOrderId: 'a4', instrument: 'AAA', side: 'buy', qty: 1, orderType: 'market' });
    await c.request({ type: 'unsubscribe', channel: 'market' });
    await c.next((m) => m.type === 'risk');
    const types = new Set<string>();
    for (const frame of [...c.received, ...feed.received]) {
      const candidates = messagesFor('fromServer', frame.type);
      expect(candidates.length, frame.type).toBeGreaterThan(0);
      const ok = candidates.some((m) => validators.get(m.key)!(frame) === true);
      expect(ok, `${frame.type}: ${JSON.stringify(frame)}`).toBe(true);
      types.add(frame.type);
    }
    expect([...types].sort()).toEqual(['ack', 'authenticated', 'error', 'fill', 'order', 'reject', 'risk', 'subscribed', 'tick', 'unsubscribed']);
    await Promise.all([feed.close(), c.close()]);
  });
});
