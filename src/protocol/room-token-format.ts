/**
 * ABC-123-XYZ from the reference clients and K7P-QX-4M from the web client: three groups of 1-3.
 * Kept free of zod so the page can check a token from a link without bundling the schema library.
 */
export const ROOM_TOKEN_PATTERN = /^[A-Z0-9]{1,3}-[A-Z0-9]{1,3}-[A-Z0-9]{1,3}$/;

export function isRoomToken(value: unknown): value is string {
  return typeof value === 'string' && ROOM_TOKEN_PATTERN.test(value);
}
