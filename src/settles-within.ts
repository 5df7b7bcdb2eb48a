/**
 * Whether a promise settles within ms (it is not cancelled when it does not). For shutdown steps
 * that wait on something outside the process (a database, Redis, a thread): a shutdown must end
 * even when that something never answers.
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
