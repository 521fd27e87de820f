/**
 * Every Redis key GhostChat uses, built in one place and always under the configured prefix.
 * Message bodies keep the reference's `message:{roomToken}:{messageId}` pattern.
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    message: (roomToken: string, id: string) => `${prefix}message:${roomToken}:${id}`,
    /** Per-room index of message ids, scored by append order: history and counts without SCAN. */
    roomIndex: (roomToken: string) => `${prefix}room:${roomToken}:messages`,
    roomSeq: (roomToken: string) => `${prefix}room:${roomToken}:seq`,
    /** Hash message id -> `bytes,imageBytes`, what each message adds to its room's caps. */
    roomSizes: (roomToken: string) => `${prefix}room:${roomToken}:sizes`,
    /** Hash `bytes`, `imageBytes`: the room's totals, kept by the same scripts that add and remove. */
    roomUsage: (roomToken: string) => `${prefix}room:${roomToken}:usage`,
    roomCreated: (roomToken: string) => `${prefix}room:${roomToken}:created`,
    /** Hash message id -> sender of the room's burn-after-reading messages nobody has read yet. */
    roomUnread: (roomToken: string) => `${prefix}room:${roomToken}:unread`,
    /** Global expiry schedule: member `roomToken|id`, score = deadline in epoch ms. */
    expirySchedule: () => `${prefix}expiry`,
    presenceConnections: (roomToken: string) => `${prefix}presence:${roomToken}:connections`,
    presenceAgents: (roomToken: string) => `${prefix}presence:${roomToken}:agents`,
    /** Hash room -> participant count, for health totals without scanning. */
    presenceRooms: () => `${prefix}presence:rooms`,
    presenceTotal: () => `${prefix}presence:total`,
    /** Sorted set node id -> last heartbeat (ms), to find nodes that died. */
    nodes: () => `${prefix}nodes`,
    /** Hash room -> connections this node has in it: the rooms its heartbeat keeps alive. */
    nodeRooms: (nodeId: string) => `${prefix}node:${nodeId}:room-counts`,
    probe: (nodeId: string) => `${prefix}probe:${nodeId}`,
    // Images. Every one of these dies at the image's deadline; image-scripts.ts builds the same names.
    image: (id: string) => `${prefix}image:${id}`,
    /** The image's AES key on its own, so it is shredded at the deadline whatever else lingers. */
    imageKey: (id: string) => `${prefix}image:${id}:key`,
    imageByFile: (filename: string) => `${prefix}image-file:${filename}`,
    imageByMessage: (messageId: string) => `${prefix}image-msg:${messageId}`,
    /** Image expiry schedule: member `id|filename|roomToken|messageId`, score = deadline in epoch ms. */
    imageSchedule: () => `${prefix}image-expiry`,
    // Images' bytes (MEDIA_STORE=redis). media-scripts.ts builds the same names.
    /** A stored image's sealed bytes: a list of chunks, expiring at the image's deadline. */
    mediaData: (filename: string) => `${prefix}media:${filename}`,
    /** The chunks of an image being written; lapse within seconds unless the write goes on. */
    mediaPart: (filename: string) => `${prefix}media-part:${filename}`,
    /** Sorted set file name -> deadline, of every stored or written file. */
    mediaDeadlines: () => `${prefix}media-ledger:deadlines`,
    /** Hash file name -> `bytes:roomless:createdAt:state`. */
    mediaFiles: () => `${prefix}media-ledger:files`,
    /** Hash `bytes`, `roomless`: the budgets' totals, kept by the same scripts. */
    mediaUsage: () => `${prefix}media-ledger:usage`,
    // Client limits. `name` and `key` are chosen by the caller and hold hashed addresses, never plain ones.
    /** A token bucket's theoretical arrival time; expires when the bucket is full again. */
    rateBucket: (key: string) => `${prefix}rate:${key}`,
    /** A byte gauge: deadlines (sorted set) and bytes per deadline plus `total` (hash); expire with the last deadline. */
    usageDeadlines: (name: string) => `${prefix}usage:${name}`,
    usageBytes: (name: string) => `${prefix}usage:${name}:bytes`,
    /** A resume credential's record, under the credential's SHA-256 (never the credential); expires with its window. */
    resume: (credentialHash: string) => `${prefix}resume:${credentialHash}`,
    /** The salt addresses are hashed under in one period; expires one period after it ends. */
    addressSalt: (period: number) => `${prefix}address-salt:${period}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
