import { defineScript, type CommandParser } from 'redis';

/**
 * Records an unread message: field id -> `<until>|<sender>` (a name may hold `|`; the number never
 * does). The hash lives as long as its longest-lived entry.
 */
export const addUnread = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '|' .. ARGV[2])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
`,
  parseCommand(parser: CommandParser, key: string, messageId: string, sender: string, until: number) {
    parser.pushKey(key);
    parser.push(messageId, sender, String(until));
  },
  transformReply: (): void => undefined,
});

/** Removes and returns, in one step, the unread messages not sent by ARGV[1]; drops those past their deadline. */
export const takeUnread = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
local now = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local taken = {}
for i = 1, #all, 2 do
  local value = all[i + 1]
  local sep = string.find(value, '|', 1, true)
  local expired = tonumber(string.sub(value, 1, sep - 1)) <= now
  if expired or string.sub(value, sep + 1) ~= ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
    if not expired then table.insert(taken, all[i]) end
  end
end
return taken
`,
  parseCommand(parser: CommandParser, key: string, reader: string, now: number) {
    parser.pushKey(key);
    parser.push(reader, String(now));
  },
  transformReply: (taken: string[]) => taken,
});
