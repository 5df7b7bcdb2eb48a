/**
 * Removes every Redis key of the queues named `<prefix>.*` (BullMQ's default key prefix `bull`):
 * what a test or a bench run leaves behind, or a retired deployment's queues.
 */
import { Redis } from 'ioredis';

export async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `bull:${prefix}.*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
