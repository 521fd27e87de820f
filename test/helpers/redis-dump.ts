import { createClient } from 'redis';

/**
 * Every key under `prefix` with its value as text, whatever its type: what someone with access to
 * the Redis server (or its memory) can read.
 */
export async function dumpPrefix(url: string, prefix: string): Promise<Map<string, string>> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const dump = new Map<string, string>();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string'
            ? await client.get(key)
            : type === 'hash'
              ? await client.hGetAll(key)
              : type === 'zset'
                ? await client.zRangeWithScores(key, 0, -1)
                : type === 'set'
                  ? await client.sMembers(key)
                  : type === 'list'
                    ? await client.lRange(key, 0, -1)
                    : type === 'stream'
                      ? await client.xRange(key, '-', '+')
                      : null;
        dump.set(key, JSON.stringify(value));
      }
    }
  } finally {
    await client.close();
  }
  return dump;
}
