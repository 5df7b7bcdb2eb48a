/** Shutdown runs every step even when one fails, and says which failed. */
import { expect, it } from 'vitest';
import { closeAll, once } from '../src/close-all.js';

it('runs every step in order when one throws or rejects, then throws one error naming each failure', async () => {
  const ran: string[] = [];
  const result = closeAll([
    ['gateway', () => { ran.push('gateway'); }],
    ['engine', () => { ran.push('engine'); throw new Error('pool wedged'); }],
    ['queues', async () => { ran.push('queues'); throw new Error('redis gone'); }],
    ['database', async () => { ran.push('database'); }],
  ]);
  await expect(result).rejects.toThrow('shutdown: engine: pool wedged; queues: redis gone');
  expect(ran).toEqual(['gateway', 'engine', 'queues', 'database']);
});

it('resolves when every step succeeds, and a close made with once runs its steps once', async () => {
  let n = 0;
  const close = once(() => closeAll([['count', () => { n += 1; }]]));
  await Promise.all([close(), close()]);
  await close();
  expect(n).toBe(1);
});
