import { describe, expect, it } from 'vitest';
import { Mailbox } from '../../../src/engine/actors/mailbox.js';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe('Mailbox', () => {
  it('hands messages to a sync handler one at a time in enqueue order', () => {
    const seen: number[] = [];
    const box = new Mailbox<number>(4, (m) => void seen.push(m), () => {});
    for (let i = 0; i < 10; i++) expect(box.enqueue(i)).toBe(true);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(box.size).toBe(0);
  });

  it('does not start the next message before an async handler settles', async () => {
    const log: string[] = [];
    let release!: () => void;
    const box = new Mailbox<string>(8, async (m) => {
      log.push(`start ${m}`);
      if (m === 'a') await new Promise<void>((r) => (release = r));
      log.push(`end ${m}`);
    }, () => {});
    box.enqueue('a');
    box.enqueue('b');
    await tick();
    expect(log).toEqual(['start a']);
    release();
    await box.idle();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('refuses a message when full and accepts again once one was taken', async () => {
    let release!: () => void;
    const box = new Mailbox<number>(2, (m) => (m === 0 ? new Promise<void>((r) => (release = r)) : undefined), () => {});
    expect(box.enqueue(0)).toBe(true); // being handled, not counted
    expect(box.enqueue(1)).toBe(true);
    expect(box.enqueue(2)).toBe(true);
    expect(box.size).toBe(2);
    expect(box.enqueue(3)).toBe(false);
    release();
    await box.idle();
    expect(box.enqueue(3)).toBe(true);
  });

  it('keeps order across many wraps of the ring', async () => {
    const seen: number[] = [];
    const box = new Mailbox<number>(3, async (m) => {
      await Promise.resolve();
      seen.push(m);
    }, () => {});
    let next = 0;
    while (next < 100) {
      while (box.enqueue(next)) next++;
      await tick();
    }
    await box.idle();
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('reports a throwing or rejecting handler to onError and goes on with the next message', async () => {
    const seen: number[] = [];
    const errors: [string, number][] = [];
    const box = new Mailbox<number>(8, async (m) => {
      if (m === 1) throw new Error('boom');
      if (m === 2) return Promise.reject(new Error('async boom'));
      seen.push(m);
    }, (e, m) => errors.push([(e as Error).message, m]));
    [0, 1, 2, 3].forEach((m) => box.enqueue(m));
    await box.idle();
    expect(seen).toEqual([0, 3]);
    expect(errors).toEqual([['boom', 1], ['async boom', 2]]);
  });

  it('handles a message enqueued by the handler after the current one, not inside it', () => {
    const log: string[] = [];
    const box: Mailbox<string> = new Mailbox<string>(4, (m) => {
      log.push(`start ${m}`);
      if (m === 'a') box.enqueue('b');
      log.push(`end ${m}`);
    }, () => {});
    box.enqueue('a');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new Mailbox(0, () => {}, () => {})).toThrow(RangeError);
  });
});
