import { defineScript, type CommandParser } from 'redis';

// The ledger of the Redis media store (src/media/redis-media-store.ts): every file, committed or
// being written, has a deadline in `deadlines` (sorted set) and an entry `bytes:roomless:createdAt:state`
// in `files` (hash; state `w` while written, `c` once committed); `usage` holds the totals `bytes`
// and `roomless`. A file's chunks are a list at `media:<name>` (`media-part:<name>` while written),
// expiring natively at the same deadline. Time is Redis's own (TIME), the clock its expiries use,
// so the ledger lets a file's bytes go exactly when Redis drops its chunks. The ledger keys live
// as long as their longest-lived file. Key names built here must match keys.ts.

/** The ledger's keys: KEYS[1] deadlines, KEYS[2] files, KEYS[3] usage. */
export interface MediaLedgerKeys {
  deadlines: string;
  files: string;
  usage: string;
}

/** The ledger, then the file's chunks and the chunks being written. */
export interface MediaFileKeys extends MediaLedgerKeys {
  data: string;
  part: string;
}

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/** Forgets files past their deadline (Redis has dropped their chunks): at most 500 per call. */
const PURGE = `
local function forget(file, entry)
  local bytes, roomless = string.match(entry, '^(%d+):(%d)')
  -- HDEL before HINCRBY: past maxmemory Redis refuses a script's first write only if it may grow
  -- memory (HINCRBY may, HDEL may not), and forgetting a file is what frees Redis.
  redis.call('HDEL', KEYS[2], file)
  redis.call('HINCRBY', KEYS[3], 'bytes', -tonumber(bytes))
  if roomless == '1' then redis.call('HINCRBY', KEYS[3], 'roomless', -tonumber(bytes)) end
  -- The totals are the sum of the entries: with none left, nothing of the ledger stays behind.
  if redis.call('HLEN', KEYS[2]) == 0 then redis.call('DEL', KEYS[3]) end
end
local function purge(prefix)
  for _, file in ipairs(redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, 500)) do
    local entry = redis.call('HGET', KEYS[2], file)
    if entry then forget(file, entry) end
    redis.call('ZREM', KEYS[1], file)
    redis.call('DEL', prefix .. 'media:' .. file, prefix .. 'media-part:' .. file)
  end
end
`;

function pushFileKeys(parser: CommandParser, keys: MediaFileKeys): void {
  parser.pushKeys([keys.deadlines, keys.files, keys.usage, keys.data, keys.part]);
}

export interface ReserveMediaArgs {
  filename: string;
  bytes: number;
  roomless: boolean;
  maxBytes: number;
  maxRoomlessBytes: number;
  createdAt: number;
  expiresAt: number;
  /** How long a write may go without adding a chunk before its reservation and chunks lapse. */
  staleMs: number;
  prefix: string;
}

/**
 * Reserves a new file's bytes within both budgets, atomically for every node: 1 reserved, 0 over a
 * budget, -1 the name exists. The reservation lapses unless the write keeps adding chunks.
 */
export const reserveMedia = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `${NOW}${PURGE}
local bytes, at = tonumber(ARGV[2]), tonumber(ARGV[7])
purge(ARGV[9])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
if tonumber(redis.call('HGET', KEYS[3], 'bytes') or '0') + bytes > tonumber(ARGV[4]) then return 0 end
if ARGV[3] == '1' and tonumber(redis.call('HGET', KEYS[3], 'roomless') or '0') + bytes > tonumber(ARGV[5]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[6] .. ':w')
redis.call('ZADD', KEYS[1], math.min(at, now + tonumber(ARGV[8])), ARGV[1])
redis.call('HINCRBY', KEYS[3], 'bytes', bytes)
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[3], 'roomless', bytes) end
for i = 1, 3 do
  if redis.call('PEXPIRETIME', KEYS[i]) < at then redis.call('PEXPIREAT', KEYS[i], at) end
end
return 1
`,
  parseCommand(parser: CommandParser, keys: MediaFileKeys, args: ReserveMediaArgs) {
    pushFileKeys(parser, keys);
    parser.push(
      args.filename,
      String(args.bytes),
      args.roomless ? '1' : '0',
      String(args.maxBytes),
      String(args.maxRoomlessBytes),
      String(args.createdAt),
      String(args.expiresAt),
      String(args.staleMs),
      args.prefix,
    );
  },
  transformReply: (outcome: number) => outcome,
});

/** Appends a chunk to a file being written and keeps its reservation alive; false when it lapsed. */
export const appendMediaChunk = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `${NOW}
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry or string.sub(entry, -1) ~= 'w' then return 0 end
-- Past its deadline the write has lapsed even if no purge has forgotten it yet: Redis may have
-- dropped its pieces, and appending would start a new list without them.
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= now then return 0 end
local staleAt = math.min(tonumber(ARGV[3]), now + tonumber(ARGV[4]))
redis.call('RPUSH', KEYS[5], ARGV[2])
redis.call('PEXPIREAT', KEYS[5], staleAt)
redis.call('ZADD', KEYS[1], 'XX', staleAt, ARGV[1])
return 1
`,
  parseCommand(
    parser: CommandParser,
    keys: MediaFileKeys,
    filename: string,
    chunk: Buffer,
    expiresAt: number,
    staleMs: number,
  ) {
    pushFileKeys(parser, keys);
    parser.push(filename, chunk, String(expiresAt), String(staleMs));
  },
  transformReply: (appended: number) => appended === 1,
});

/** Makes a fully written file readable under its name, expiring at its deadline; false when it lapsed. */
export const commitMedia = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry or string.sub(entry, -1) ~= 'w' or not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
if redis.call('EXISTS', KEYS[5]) == 0 then return 0 end
local at = tonumber(ARGV[2])
redis.call('RENAME', KEYS[5], KEYS[4])
redis.call('PEXPIREAT', KEYS[4], at)
redis.call('ZADD', KEYS[1], at, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], string.sub(entry, 1, -2) .. 'c')
return 1
`,
  parseCommand(parser: CommandParser, keys: MediaFileKeys, filename: string, expiresAt: number) {
    pushFileKeys(parser, keys);
    parser.push(filename, String(expiresAt));
  },
  transformReply: (committed: number) => committed === 1,
});

/** A committed file's length and chunk count, or null when there is none (deleted, expired, being written). */
export const mediaInfo = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry or string.sub(entry, -1) ~= 'c' then return false end
local chunks = redis.call('LLEN', KEYS[4])
if chunks == 0 then return false end
return {string.match(entry, '^(%d+):'), tostring(chunks)}
`,
  parseCommand(parser: CommandParser, keys: MediaFileKeys, filename: string) {
    pushFileKeys(parser, keys);
    parser.push(filename);
  },
  transformReply: (reply: [string, string] | null) =>
    reply === null ? null : { bytes: Number(reply[0]), chunks: Number(reply[1]) },
});

/** Moves a file's deadline (ledger and chunks) to `at` when that is sooner. */
export const expireMediaSooner = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `
local at = tonumber(ARGV[2])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= at then return 0 end
-- The expiries first: past maxmemory, ZADD is refused as a script's first write, PEXPIREAT is not.
redis.call('PEXPIREAT', KEYS[4], at)
redis.call('PEXPIREAT', KEYS[5], at)
redis.call('ZADD', KEYS[1], at, ARGV[1])
return 1
`,
  parseCommand(parser: CommandParser, keys: MediaFileKeys, filename: string, expiresAt: number) {
    pushFileKeys(parser, keys);
    parser.push(filename, String(expiresAt));
  },
  transformReply: (moved: number) => moved === 1,
});

/** Removes a file (or what a failed write left) and gives its bytes back; true when a committed file was there. */
export const removeMedia = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `${NOW}${PURGE}
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if entry then forget(ARGV[1], entry) end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[5])
return redis.call('DEL', KEYS[4])
`,
  parseCommand(parser: CommandParser, keys: MediaFileKeys, filename: string) {
    pushFileKeys(parser, keys);
    parser.push(filename);
  },
  transformReply: (removed: number) => removed === 1,
});

/** The totals, once files past their deadline are forgotten: [bytes, roomless bytes]. */
export const mediaUsage = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `${NOW}${PURGE}
purge(ARGV[1])
local totals = redis.call('HMGET', KEYS[3], 'bytes', 'roomless')
return {tonumber(totals[1] or '0'), tonumber(totals[2] or '0')}
`,
  parseCommand(parser: CommandParser, keys: MediaLedgerKeys, prefix: string) {
    parser.pushKeys([keys.deadlines, keys.files, keys.usage]);
    parser.push(prefix);
  },
  transformReply: (totals: [number, number]) => ({ bytes: totals[0], roomless: totals[1] }),
});

/** One page of committed files in deadline order: name, entry, name, entry, ... */
export const listMedia = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `
local names = redis.call('ZRANGE', KEYS[1], ARGV[1], tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1)
local out = {}
for _, file in ipairs(names) do
  local entry = redis.call('HGET', KEYS[2], file)
  if entry and string.sub(entry, -1) == 'c' then
    out[#out + 1] = file
    out[#out + 1] = entry
  end
end
return {#names, out}
`,
  parseCommand(parser: CommandParser, keys: MediaLedgerKeys, offset: number, count: number) {
    parser.pushKeys([keys.deadlines, keys.files, keys.usage]);
    parser.push(String(offset), String(count));
  },
  transformReply: (reply: [number, string[]]) => ({ scanned: reply[0], entries: reply[1] }),
});
