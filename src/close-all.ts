/**
 * Runs every shutdown step in order even when one fails (BullMQ's Worker.close is the model): a
 * rejected step must not leave the later ones (the database, the queues) open. The failures are
 * thrown together at the end, as one AggregateError naming each step.
 */
export async function closeAll(steps: readonly (readonly [name: string, step: () => unknown])[]): Promise<void> {
  const failures: Error[] = [];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (e) {
      failures.push(new Error(`${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `shutdown: ${failures.map((f) => f.message).join('; ')}`);
}

/** `close` made safe to call twice: the second call gets the first call's promise. */
export function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
