/**
 * Login sessions on Redis (when REDIS_URL is set): each session a hash that expires with it, the
 * refresh hashes it rotated away in a set beside it, the user's sessions in a set, and the live
 * revocations in a sorted set (by the session's end) that a starting engine loads. Revocations
 * reach the other engine processes by pub/sub; ioredis subscribes again after a reconnect, and the
 * store reloads the sorted set then, so a revocation published while it was away still counts.
 *
 * Rotation and revocation are Lua scripts: the compare-and-swap of the refresh hash, and the
 * recognition of a reused one, are atomic against another engine's refresh of the same session.
 */
import { Redis } from 'ioredis';
import type { AuthMethod, SessionCloseReason } from '../gateway/identity/ports.js';
import type { RotateOutcome, SessionRecord, SessionStore } from '../gateway/identity/stores.js';
import type { LogFn } from '../logger.js';
import { redactUrl } from './database.js';
import { closePayload, newCloseNotice, parseNotice, revocationPayload } from './revocation-notice.js';
import { type Revocation, RevocationView } from './revocation-view.js';

export interface RedisSessionStoreOptions {
  readonly url: string;
  /** Prefix of every key and of the channel (one per deployment sharing a Redis). */
  readonly prefix: string;
  readonly log?: LogFn;
  readonly nowMs?: () => number;
}

/** KEYS: session, used set, revoked zset. ARGV: presented hash, next hash, now ms, session id. → {outcome, ...HGETALL} */
const ROTATE = `
local f = redis.call('HMGET', KEYS[1], 'current', 'expiresMs', 'revokedMs', 'userId')
if not f[1] or f[3] or tonumber(f[2]) <= tonumber(ARGV[3]) then return {'invalid'} end
local outcome
if f[1] == ARGV[1] then
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIREAT', KEYS[2], f[2])
  redis.call('HSET', KEYS[1], 'current', ARGV[2])
  outcome = 'rotated'
elseif redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revokedMs', ARGV[3])
  redis.call('ZADD', KEYS[3], f[2], ARGV[4] .. ' ' .. f[4])
  outcome = 'reused'
else
  return {'invalid'}
end
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, outcome)
return all
`;

/** KEYS: session, revoked zset. ARGV: now ms, session id. → {userId, expiresMs} or {} */
const REVOKE = `
local f = redis.call('HMGET', KEYS[1], 'userId', 'expiresMs', 'revokedMs')
if not f[1] or f[3] or tonumber(f[2]) <= tonumber(ARGV[1]) then return {} end
redis.call('HSET', KEYS[1], 'revokedMs', ARGV[1])
redis.call('ZADD', KEYS[2], f[2], ARGV[2] .. ' ' .. f[1])
return {f[1], f[2]}
`;

function recordFrom(id: string, flat: readonly string[]): SessionRecord {
  const h = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) h.set(flat[i] as string, flat[i + 1] as string);
  const revoked = h.get('revokedMs');
  return {
    id, userId: h.get('userId') ?? '', amr: JSON.parse(h.get('amr') ?? '[]') as AuthMethod[],
    createdMs: Number(h.get('createdMs')), expiresMs: Number(h.get('expiresMs')), revokedMs: revoked === undefined ? undefined : Number(revoked),
  };
}

export class RedisSessionStore implements SessionStore {
  private readonly view = new RevocationView();
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly now: () => number;
  private started = false;

  constructor(private readonly o: RedisSessionStoreOptions) {
    this.client = new Redis(o.url, { connectionName: `${o.prefix}:sessions`, lazyConnect: true });
    this.subscriber = new Redis(o.url, { connectionName: `${o.prefix}:sessions-sub`, lazyConnect: true });
    this.channel = `${o.prefix}:session-revoked`;
    this.now = o.nowMs ?? Date.now;
    const where = redactUrl(o.url);
    for (const c of [this.client, this.subscriber]) {
      // ioredis reconnects by itself; without a listener it would print every failed attempt.
      c.on('error', (err: Error) => o.log?.('warn', 'session store Redis connection error (reconnecting)', { url: where, error: err.message }));
    }
  }

  private key(...parts: string[]): string {
    return [this.o.prefix, ...parts].join(':');
  }

  isRevoked(sessionId: string): boolean {
    return this.view.isRevoked(sessionId);
  }

  onRevoked(listener: Parameters<RevocationView['onRevoked']>[0]): () => void {
    return this.view.onRevoked(listener);
  }

  async create(s: Omit<SessionRecord, 'revokedMs'>, refreshHash: string): Promise<void> {
    const sk = this.key('s', s.id);
    const uk = this.key('u', s.userId);
    await this.client.multi()
      .hset(sk, { userId: s.userId, current: refreshHash, amr: JSON.stringify(s.amr), createdMs: String(s.createdMs), expiresMs: String(s.expiresMs) })
      .pexpireat(sk, s.expiresMs)
      .sadd(uk, s.id)
      .pexpireat(uk, s.expiresMs, 'GT')
      .exec();
    // GT leaves a key without expiry as it is: a fresh set gets this session's.
    await this.client.pexpireat(uk, s.expiresMs, 'NX');
  }

  async find(sessionId: string): Promise<SessionRecord | undefined> {
    const flat = await this.client.hgetall(this.key('s', sessionId));
    const pairs = Object.entries(flat).flat();
    return pairs.length === 0 ? undefined : recordFrom(sessionId, pairs);
  }

  async rotate(sessionId: string, presentedHash: string, nextHash: string, nowMs: number): Promise<RotateOutcome> {
    const r = (await this.client.eval(ROTATE, 3, this.key('s', sessionId), this.key('su', sessionId), this.key('revoked'),
      presentedHash, nextHash, String(nowMs), sessionId)) as string[];
    const outcome = r[0];
    if (outcome !== 'rotated' && outcome !== 'reused') return { kind: 'invalid' };
    const session = recordFrom(sessionId, r.slice(1));
    if (outcome === 'reused') {
      await this.announce({ userId: session.userId, sessions: [{ id: sessionId, expiresMs: session.expiresMs }] }, nowMs);
    }
    return { kind: outcome, session };
  }

  async revoke(sessionId: string, nowMs: number): Promise<string | undefined> {
    const r = (await this.client.eval(REVOKE, 2, this.key('s', sessionId), this.key('revoked'), String(nowMs), sessionId)) as string[];
    if (r.length < 2) return undefined;
    const [userId, expiresMs] = r as [string, string];
    await this.announce({ userId, sessions: [{ id: sessionId, expiresMs: Number(expiresMs) }] }, nowMs);
    return userId;
  }

  async revokeAllOf(userId: string, nowMs: number): Promise<readonly string[]> {
    const uk = this.key('u', userId);
    const ids = await this.client.smembers(uk);
    const revoked: { id: string; expiresMs: number }[] = [];
    for (const id of ids) {
      const r = (await this.client.eval(REVOKE, 2, this.key('s', id), this.key('revoked'), String(nowMs), id)) as string[];
      if (r.length >= 2) revoked.push({ id, expiresMs: Number(r[1]) });
      else if ((await this.client.exists(this.key('s', id))) === 0) await this.client.srem(uk, id); // expired: forget it
    }
    if (revoked.length > 0) await this.announce({ userId, sessions: revoked }, nowMs);
    return revoked.map((s) => s.id);
  }

  /** Kept in the revoked sorted set like a session (member `<id> <id>`), so a process away from the channel reloads it. */
  async revokeCredential(credentialId: string, untilMs: number, nowMs: number): Promise<void> {
    await this.client.zadd(this.key('revoked'), String(untilMs), `${credentialId} ${credentialId}`);
    await this.announce({ userId: credentialId, sessions: [{ id: credentialId, expiresMs: untilMs }] }, nowMs);
  }

  /** Published only: a close notice is not kept in the revoked sorted set. */
  async announceClose(target: { readonly userId: string; readonly sessionIds: readonly string[] }, reason: SessionCloseReason, nowMs: number): Promise<void> {
    const n = newCloseNotice(target.userId, target.sessionIds, reason);
    this.view.close(n, nowMs);
    await this.publish(closePayload(n), 'session close notice');
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await Promise.all([this.client.connect(), this.subscriber.connect()]);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const n = parseNotice(message);
      if (n) this.view.receive(n, this.now());
    });
    await this.subscriber.subscribe(this.channel);
    // ioredis subscribes again by itself after a reconnect; what was published meanwhile is in the sorted set.
    this.subscriber.on('ready', () => void this.load().catch((err: Error) => this.o.log?.('warn', 'cannot reload session revocations', { error: err.message })));
    await this.load();
  }

  async close(): Promise<void> {
    await Promise.all([this.client, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private async announce(r: Revocation, nowMs: number): Promise<void> {
    this.view.add(r, nowMs);
    await this.publish(revocationPayload(r), 'session revocation');
  }

  private async publish(message: string, what: string): Promise<void> {
    try {
      await this.client.publish(this.channel, message);
    } catch (err) {
      this.o.log?.('warn', `${what} not announced to other engines`, { error: (err as Error).message });
    }
  }

  private async load(): Promise<void> {
    const nowMs = this.now();
    const rk = this.key('revoked');
    await this.client.zremrangebyscore(rk, '-inf', String(nowMs));
    const flat = (await this.client.zrange(rk, '0', '-1', 'WITHSCORES')) as string[];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [id, userId] = (flat[i] as string).split(' ') as [string, string | undefined];
      this.view.add({ userId: userId ?? '', sessions: [{ id, expiresMs: Number(flat[i + 1]) }] }, nowMs);
    }
  }
}
