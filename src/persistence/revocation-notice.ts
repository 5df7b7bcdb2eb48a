/**
 * What the session stores' channel carries between engine processes (PostgreSQL NOTIFY, Redis
 * pub/sub), one JSON object per message:
 *
 * - a revocation, `{userId, sessions: [{id, expiresMs}]}`: the sessions are held as revoked until
 *   their end, and their open websockets close;
 * - a close notice, `{userId, sessions: [], close: {id, sessionIds, reason}}`: the open websockets of
 *   those sessions close (the owner's rights changed), nothing is held as revoked. `sessions` is
 *   empty so an engine that predates close notices reads a revocation of nothing and does nothing;
 *   `id` lets the process that sent it skip its own echo (it applied the notice when it sent it).
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { SessionCloseReason } from '../gateway/identity/ports.js';
import type { Revocation } from './revocation-view.js';

export interface CloseNotice {
  readonly id: string;
  readonly userId: string;
  readonly sessionIds: readonly string[];
  readonly reason: SessionCloseReason;
}

export type ChannelNotice =
  | { readonly kind: 'revoked'; readonly revocation: Revocation }
  | { readonly kind: 'close'; readonly notice: CloseNotice };

const CloseWire = z.object({
  id: z.string().min(1).max(100),
  sessionIds: z.array(z.string()).max(1000),
  reason: z.enum(['rights_changed']),
});

export function newCloseNotice(userId: string, sessionIds: readonly string[], reason: SessionCloseReason): CloseNotice {
  return { id: randomUUID(), userId, sessionIds: [...sessionIds], reason };
}

export function revocationPayload(r: Revocation): string {
  return JSON.stringify({ userId: r.userId, sessions: r.sessions });
}

export function closePayload(n: CloseNotice): string {
  return JSON.stringify({ userId: n.userId, sessions: [], close: { id: n.id, sessionIds: n.sessionIds, reason: n.reason } });
}

/**
 * A message's meaning, or undefined when it is not one of ours (anyone on the database may NOTIFY).
 * A message without `close` is a revocation, as every engine has sent them.
 */
export function parseNotice(payload: string): ChannelNotice | undefined {
  let v: { userId?: unknown; sessions?: unknown; close?: unknown };
  try {
    v = JSON.parse(payload) as typeof v;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || typeof v.userId !== 'string' || !Array.isArray(v.sessions)) return undefined;
  if (v.close !== undefined) {
    const c = CloseWire.safeParse(v.close);
    return c.success ? { kind: 'close', notice: { id: c.data.id, userId: v.userId, sessionIds: c.data.sessionIds, reason: c.data.reason } } : undefined;
  }
  const sessions = v.sessions.filter((s): s is { id: string; expiresMs: number } =>
    typeof s === 'object' && s !== null && typeof (s as { id?: unknown }).id === 'string' && Number.isFinite((s as { expiresMs?: unknown }).expiresMs));
  return { kind: 'revoked', revocation: { userId: v.userId, sessions: sessions.map((s) => ({ id: s.id, expiresMs: s.expiresMs })) } };
}
