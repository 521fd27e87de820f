// Shared by the tests and the benchmark (bench/ imports it): nothing here may import vitest.

/**
 * Client limits far above anything the tests or the benchmark do: every client of theirs comes from
 * 127.0.0.1 and many send as fast as they can. The limits stay on (their checks run, as in
 * production); only their numbers are out of reach. The server does not exempt loopback: a test of
 * a limit sets its own number over these.
 */
export const HIGH_CLIENT_LIMITS: Record<string, string> = {
  SOCKET_EVENTS_PER_SECOND: '1000000',
  SOCKET_EVENTS_BURST: '1000000',
  SOCKET_JOINS_PER_MINUTE: '1000000',
  SOCKET_MAX_ROOMS: '100000',
  SOCKET_IMAGES_PER_MINUTE: '1000000',
  SOCKET_BYTES_PER_MINUTE: String(2 ** 40),
  SOCKET_FLOOD_REFUSALS: '1000000',
  MAX_CONNECTIONS: '10000000',
  MAX_CONNECTIONS_PER_ADDRESS: '1000000',
  CONNECTIONS_PER_ADDRESS_PER_MINUTE: '1000000',
  HTTP_LOOKUPS_PER_MINUTE: '1000000',
  HTTP_UPLOADS_PER_MINUTE: '1000000',
  MAX_IMAGE_BYTES_PER_ADDRESS: String(2 ** 50),
  MAX_IMAGE_DOWNLOADS_PER_ADDRESS: '100000',
  MAX_ROOM_PARTICIPANTS: '1000000',
  MAX_STORED_MESSAGE_BYTES: String(2 ** 50),
};
