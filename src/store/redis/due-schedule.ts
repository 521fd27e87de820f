import { defineScript, type CommandParser } from 'redis';

/** A member taken off a schedule, with the deadline it was due at. */
export interface DueMember {
  member: string;
  dueAt: number;
}

/**
 * A script that pops what is due from a schedule (a sorted set scored by deadline): KEYS[1] is the
 * schedule; it takes up to `limit` members due by `now` off it and, in the same atomic step, runs
 * `cleanUp` for each (Lua that sees `member` and the key `prefix`, and may call `functions`) to delete what the member
 * stands for. One step, so with several nodes polling, each due member is claimed by exactly one.
 * Messages and images each bring their own clean-up; the popping is written once, here.
 */
export function popDueScript(cleanUp: string, functions = '') {
  return defineScript({
    NUMBER_OF_KEYS: 1,
    SCRIPT: `${functions}
local prefix = ARGV[3]
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]), 'WITHSCORES')
for i = 1, #due, 2 do
  local member = due[i]
  redis.call('ZREM', KEYS[1], member)
${cleanUp}
end
return due
`,
    parseCommand(parser: CommandParser, schedule: string, now: number, limit: number, prefix: string) {
      parser.pushKey(schedule);
      parser.push(String(now), String(limit), prefix);
    },
    /** The script returns member, deadline, member, deadline, ... */
    transformReply(reply: string[]): DueMember[] {
      const due: DueMember[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) due.push({ member: reply[i]!, dueAt: Number(reply[i + 1]) });
      return due;
    },
  });
}
