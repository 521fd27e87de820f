import { defineScript, type CommandParser } from 'redis';
import { popDueScript } from './due-schedule.js';

// Key names built inside these scripts must match keys.ts. The schedule member carries the file
// name and the carrying message so a claim can clean up even after the record itself has expired.

/** Schedule first, then every key that dies with the image (the by-message index when it has one). */
export interface ImageKeys {
  schedule: string;
  record: string;
  key: string;
  byFile: string;
  byMessage: string | null;
}

/** The keys as the scripts number them: KEYS[1] schedule, then what dies with the image. */
function pushImageKeys(parser: CommandParser, keys: ImageKeys): void {
  parser.pushKeysLength([
    keys.schedule,
    keys.record,
    keys.key,
    keys.byFile,
    ...(keys.byMessage ? [keys.byMessage] : []),
  ]);
}

export interface PutImageArgs {
  /** The record as JSON, without its key. */
  json: string;
  /** The AES key, stored on its own so it dies at the deadline whatever else lingers. */
  key: string;
  deadline: number;
  id: string;
  member: string;
  keepScheduleUntil: number;
}

/** Stores the record, its key and both indexes, all expiring at the deadline, and schedules it. */
export const putImage = defineScript({
  SCRIPT: `
local at = tonumber(ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PXAT', at)
redis.call('SET', KEYS[3], ARGV[2], 'PXAT', at)
redis.call('SET', KEYS[4], ARGV[4], 'PXAT', at)
if KEYS[5] then redis.call('SET', KEYS[5], ARGV[4], 'PXAT', at) end
redis.call('ZADD', KEYS[1], at, ARGV[5])
local keep = tonumber(ARGV[6])
if redis.call('PEXPIRETIME', KEYS[1]) < keep then redis.call('PEXPIREAT', KEYS[1], keep) end
`,
  parseCommand(parser: CommandParser, keys: ImageKeys, args: PutImageArgs) {
    pushImageKeys(parser, keys);
    parser.push(args.json, args.key, String(args.deadline), args.id, args.member, String(args.keepScheduleUntil));
  },
  transformReply: (): void => undefined,
});

/** Moves the deadline to `deadline` when that is sooner; true when it moved. */
export const expireImageSooner = defineScript({
  SCRIPT: `
local at = tonumber(ARGV[1])
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) <= at then return 0 end
redis.call('ZADD', KEYS[1], at, ARGV[2])
for i = 2, #KEYS do redis.call('PEXPIREAT', KEYS[i], at) end
return 1
`,
  parseCommand(parser: CommandParser, keys: ImageKeys, deadline: number, member: string) {
    pushImageKeys(parser, keys);
    parser.push(String(deadline), member);
  },
  transformReply: (moved: number) => moved === 1,
});

/** Removes the record, its key and indexes now; true for the one caller that took it off the schedule. */
export const removeImage = defineScript({
  SCRIPT: `
local scheduled = redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return scheduled
`,
  parseCommand(parser: CommandParser, keys: ImageKeys, member: string) {
    pushImageKeys(parser, keys);
    parser.push(member);
  },
  transformReply: (removed: number) => removed === 1,
});

/** Claims due images (members `id|filename|roomToken|messageId`), deleting their records and keys. */
export const claimDueImages = popDueScript(`
  local id, file, room, msg = string.match(member, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if id then
    redis.call('DEL', prefix .. 'image:' .. id, prefix .. 'image:' .. id .. ':key', prefix .. 'image-file:' .. file)
    if msg ~= '' then redis.call('DEL', prefix .. 'image-msg:' .. msg) end
  end
`);
