import { AppError } from '../errors.js';

// The media type may be empty (`data:;base64,`): browsers write that for a file of unknown type.
const HEAD = /^data:(?:[\w.+-]+\/[\w.+-]+)?(?:;[\w.+-]+=[\w.+-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The bytes of a base64 `data:` URL, refusing one whose payload would exceed `maxBytes` before
 * decoding it. The declared media type is ignored: the bytes are sniffed later.
 */
export function decodeDataUrl(url: string, maxBytes: number): Buffer {
  const head = HEAD.exec(url);
  if (!head) throw new AppError('PAYLOAD_INVALID', 'imageData.data must be a base64 data: URL');
  const body = url.slice(head[0].length);
  if (Math.floor((body.length * 3) / 4) - (body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0) > maxBytes) {
    throw new AppError('IMAGE_TOO_LARGE');
  }
  if (body.length % 4 !== 0 || !BASE64.test(body)) {
    throw new AppError('PAYLOAD_INVALID', 'imageData.data is not valid base64');
  }
  return Buffer.from(body, 'base64');
}
