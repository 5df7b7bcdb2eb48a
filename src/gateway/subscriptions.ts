/**
 * Who listens to what, and the fan-out of engine events. Each channel is a Map from portfolioId
 * (or symbol) to the Set of sessions, plus a wildcard Set, so an event touches only its
 * subscribers. An event is encoded once and the same bytes go to every subscriber.
 */
import type { Fill, Order, RiskSnapshot } from '../engine/actors/types.js';
import type { EngineEvent } from '../engine/runtime/engine-api.js';
import type { Codec } from './codec.js';
import { RiskFrameWriter } from './risk-frame.js';
import type { AmlAlertView } from '../persistence/aml-alert-queries.js';
import { type Channel, type TickOut, alertOut, fillOut, orderUpdateOut } from './protocol.js';
import { type Session, WILDCARD, pendingKey } from './ws-session.js';

class Topic {
  readonly byKey = new Map<string, Set<Session>>();
  readonly all = new Set<Session>();

  add(key: string, s: Session): void {
    if (key === WILDCARD) {
      this.all.add(s);
      return;
    }
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(s);
  }

  remove(key: string, s: Session): void {
    if (key === WILDCARD) {
      this.all.delete(s);
      return;
    }
    const set = this.byKey.get(key);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.byKey.delete(key);
  }
}

export class Subscriptions {
  private readonly topics: { readonly [C in Channel]: Topic } = { risk: new Topic(), orders: new Topic(), market: new Topic(), alerts: new Topic() };
  /** orderId → the session that submitted it, while the order is open. */
  private readonly orderOwners = new Map<string, Session>();

  /** `isOpen` asks the engine whether an order still rests, to forget owners of filled orders. */
  /** `onRiskSent`: told the tickTs of each risk snapshot handed to subscribers (tick-to-risk, realtime-metrics.ts). */
  /**
   * `watchRisk`: told when a portfolio (or `*`, every one) gains or loses a risk subscriber, so the
   * engine pushes its figures as they come (EngineApi.watchRisk) and only reads the others' when asked.
   */
  constructor(
    private readonly codec: Codec,
    private readonly isOpen: (orderId: string) => boolean,
    private readonly onRiskSent?: (tickTs: number) => void,
    private readonly watchRisk?: (portfolioId: string, delta: 1 | -1) => void,
  ) {}

  subscribe(s: Session, channel: Channel, key: string): void {
    if (channel === 'risk' && !s.subs.risk.has(key)) this.watchRisk?.(key, 1);
    s.subs[channel].add(key);
    this.topics[channel].add(key, s);
  }

  unsubscribe(s: Session, channel: Channel, key: string): void {
    if (channel === 'risk' && s.subs.risk.has(key)) this.watchRisk?.(key, -1);
    s.subs[channel].delete(key);
    this.topics[channel].remove(key, s);
  }

  trackOrder(s: Session, order: Order): void {
    if (order.status !== 'open') return;
    this.orderOwners.set(order.orderId, s);
    s.ownOrders.add(order.orderId);
  }

  /** Forgets a closed session everywhere. */
  drop(s: Session): void {
    for (const channel of ['risk', 'orders', 'market', 'alerts'] as const) {
      for (const key of s.subs[channel]) {
        this.topics[channel].remove(key, s);
        if (channel === 'risk') this.watchRisk?.(key, -1);
      }
      s.subs[channel].clear();
    }
    for (const orderId of s.ownOrders) if (this.orderOwners.get(orderId) === s) this.orderOwners.delete(orderId);
    s.ownOrders.clear();
  }

  subscriberCount(channel: Channel): number {
    const t = this.topics[channel];
    let n = t.all.size;
    for (const set of t.byKey.values()) n += set.size;
    return n;
  }

  /** Risk frames by hand (risk-frame.ts): the same bytes as the codec, in a third of the time. */
  private readonly riskFrames = new RiskFrameWriter();

  /** The engine's event listener. */
  readonly onEngineEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'risk': {
        // Touch e.risk (built lazily by the engine) only for a portfolio that has subscribers.
        const topic = this.topics.risk;
        if (!topic.byKey.has(e.portfolioId) && topic.all.size === 0) return;
        return this.publishRisk(e.risk);
      }
      case 'fill':
        return this.publishFill(e.fill);
      case 'order':
        return this.publishOrder(e.order);
      case 'tick':
        return this.publishTick({ type: 'tick', symbol: e.symbol, price: e.price, ts: e.ts });
    }
  };

  /**
   * A new AML alert to every `alerts` subscriber (a wildcard subscription: the channel has no key).
   * Sent reliably: an alert is rare and must not be conflated away like a risk snapshot.
   */
  readonly publishAlert = (a: AmlAlertView): void => {
    const topic = this.topics.alerts;
    if (topic.all.size === 0) return;
    const bytes = this.codec.encode(alertOut(a));
    for (const s of [...topic.all]) s.sendBytes(bytes);
  };

  private publishRisk(r: RiskSnapshot): void {
    const topic = this.topics.risk;
    if (!topic.byKey.has(r.portfolioId) && topic.all.size === 0) return;
    // The writer's own buffer, not the codec's shared one (a slow session's drain encodes with the
    // codec while we fan out); each session copies the bytes at once.
    const bytes = this.riskFrames.encode(r);
    for (const s of this.collect(topic, r.portfolioId)) s.offerRisk(r, bytes);
    this.onRiskSent?.(r.tickTs);
  }

  private publishTick(t: TickOut): void {
    const topic = this.topics.market;
    if (!topic.byKey.has(t.symbol) && topic.all.size === 0) return;
    const bytes = this.codec.encode(t);
    for (const s of this.collect(topic, t.symbol)) s.offerTick(t, bytes);
  }

  private publishFill(f: Fill): void {
    const owner = this.orderOwners.get(f.orderId);
    const key = pendingKey(f.portfolioId, f.clientOrderId);
    const bytes = this.codec.encode(fillOut(f));
    const recipients = this.collect(this.topics.orders, f.portfolioId);
    if (owner && !recipients.includes(owner)) recipients.push(owner);
    // A session still waiting for this order's ack (submit or replace) gets the fill right after the ack instead.
    for (const s of recipients) if (!s.pendingOrders.has(key) && !s.pendingOrders.has(f.orderId)) s.sendBytes(bytes);
    // The engine emits no order update when a fill completes an order, so ask.
    if (owner && !this.isOpen(f.orderId)) this.forgetOrder(f.orderId);
  }

  private forgetOrder(orderId: string): void {
    this.orderOwners.get(orderId)?.ownOrders.delete(orderId);
    this.orderOwners.delete(orderId);
  }

  private publishOrder(o: Order): void {
    if (o.status !== 'open') this.forgetOrder(o.orderId);
    const topic = this.topics.orders;
    if (!topic.byKey.has(o.portfolioId) && topic.all.size === 0) return;
    const bytes = this.codec.encode(orderUpdateOut(o));
    for (const s of this.collect(topic, o.portfolioId)) s.sendBytes(bytes);
  }

  /**
   * Subscribers of `key`, wildcard ones included, each once. A copy, because sending may close a
   * session, which edits the sets.
   */
  private collect(topic: Topic, key: string): Session[] {
    const out: Session[] = [];
    const set = topic.byKey.get(key);
    if (set) for (const s of set) out.push(s);
    for (const s of topic.all) if (!set?.has(s)) out.push(s);
    return out;
  }
}
