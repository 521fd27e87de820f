import { defineScript, type CommandParser } from 'redis';

/** Opens the room at `now` unless it is open, and keeps it open until at least `keepUntil`; returns createdAt. */
export const touchRoom = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return redis.call('GET', KEYS[1])
`,
  parseCommand(parser: CommandParser, created: string, now: number, keepUntil: number) {
    parser.pushKey(created);
    parser.push(String(now), String(keepUntil));
  },
  transformReply: (createdAt: string) => Number(createdAt),
});
