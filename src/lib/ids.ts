import { randomBytes } from 'node:crypto';

export type IdGenerator = (prefix: 'msg' | 'img') => string;

const ID_BYTES = 8;
// One randomBytes call per 512 ids: a synchronous call into OpenSSL for every message cost
// about as much as storing it (bench/ profile). The bytes are as random; each is used once.
const POOL_BYTES = ID_BYTES * 512;

/** `msg_<ms>_<random>` as the reference clients expect; 64 random bits so ids are not guessable. */
export function createIdGenerator(now: () => number): IdGenerator {
  let pool = randomBytes(POOL_BYTES);
  let offset = 0;
  return (prefix) => {
    if (offset === POOL_BYTES) {
      pool = randomBytes(POOL_BYTES);
      offset = 0;
    }
    const random = pool.toString('hex', offset, offset + ID_BYTES);
    offset += ID_BYTES;
    return `${prefix}_${now()}_${random}`;
  };
}
