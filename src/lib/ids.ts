import { randomBytes } from 'node:crypto';

export type IdGenerator = (prefix: 'msg' | 'img') => string;

/** `msg_<ms>_<random>` as the reference clients expect; 64 random bits so ids are not guessable. */
export function createIdGenerator(now: () => number): IdGenerator {
  return (prefix) => `${prefix}_${now()}_${randomBytes(8).toString('hex')}`;
}
