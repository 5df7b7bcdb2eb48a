/**
 * Request ids: one per HTTP request and per websocket incident, in every error body and log line
 * about it, so an operator can find the stack of a caller's 500. A random boot prefix and a counter:
 * unique across restarts without a random draw per request.
 */
import { randomBytes } from 'node:crypto';

const boot = randomBytes(4).toString('hex');
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${boot}-${counter.toString(36)}`;
}
