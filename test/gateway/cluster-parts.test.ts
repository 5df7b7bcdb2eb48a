/** The small pure parts of the cluster routing: the endpoint format, the bounded wait, the tick batches. */
import { describe, expect, it } from 'vitest';
import { endpointOf, parseEndpoint } from '../../src/gateway/cluster/endpoint.js';
import { MoveWait } from '../../src/gateway/cluster/move-wait.js';
import { TickFanout, type TickTuple } from '../../src/gateway/cluster/tick-fanout.js';

describe('cluster endpoint', () => {
  it('derives the REST base and the internal link from one http(s) base URL', () => {
    expect(parseEndpoint(endpointOf('10.0.0.5', 8080))).toEqual({ httpBase: 'http://10.0.0.5:8080', linkUrl: 'ws://10.0.0.5:8080/internal/cluster/v1' });
    expect(parseEndpoint(endpointOf('engine-2.internal', 443, true))).toEqual({ httpBase: 'https://engine-2.internal', linkUrl: 'wss://engine-2.internal/internal/cluster/v1' });
    expect(parseEndpoint(endpointOf('::1', 9000))?.linkUrl).toBe('ws://[::1]:9000/internal/cluster/v1');
  });

  it('refuses what is not a bare http(s) base URL', () => {
    for (const bad of ['', 'ws://h:1', 'http://h:1/path', 'http://u:p@h:1', 'http://h:1?x=1', 'not a url']) expect(parseEndpoint(bad)).toBeUndefined();
  });
});

describe('move wait', () => {
  it('lets waiters go in arrival order once their route is known, and times out the rest', async () => {
    const w = new MoveWait<string>(10);
    const known: { route?: string } = {};
    const order: string[] = [];
    const first = w.wait(() => known.route, Date.now() + 1000).then((e) => order.push(`first:${JSON.stringify(e)}`));
    const second = w.wait(() => known.route, Date.now() + 1000).then((e) => order.push(`second:${JSON.stringify(e)}`));
    const late = w.wait(() => undefined, Date.now() + 30);
    known.route = 'B';
    w.recheck();
    await Promise.all([first, second]);
    expect(order).toEqual(['first:{"route":"B"}', 'second:{"route":"B"}']);
    expect(await late).toEqual({ refused: 'timedOut' });
    expect(w.size).toBe(0);
  });

  it('refuses at once beyond its count, and answers at once when the route is already known', async () => {
    const w = new MoveWait<string>(1);
    const held = w.wait(() => undefined, Date.now() + 1000);
    expect(await w.wait(() => undefined, Date.now() + 1000)).toEqual({ refused: 'full' });
    expect(await w.wait(() => 'A', Date.now() + 1000)).toEqual({ route: 'A' });
    w.close();
    expect(await held).toEqual({ refused: 'timedOut' });
  });
});

describe('tick fan-out', () => {
  it('sends the ticks of one event-loop turn as one batch, and splits a burst at the batch size', async () => {
    const batches: TickTuple[][] = [];
    const f = new TickFanout((t) => batches.push(t), 3);
    f.add('AAA', 1, 1);
    f.add('BBB', 2, 2);
    expect(batches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[['AAA', 1, 1], ['BBB', 2, 2]]]);
    for (let i = 0; i < 4; i++) f.add('CCC', i, i);
    await new Promise((r) => setImmediate(r));
    expect(batches.slice(1).map((b) => b.length)).toEqual([3, 1]);
  });
});
