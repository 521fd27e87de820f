/**
 * A connection's id: unique across nodes, starting with its node's id (so the connections of a node
 * that died can be found), and saying whether its client reveals burn-after-reading messages itself
 * (`reveal-message`) or takes every message it is sent as read. Presence keeps connections by id on
 * every node; the id carries the kind so the burn rule can tell the two apart with no second record
 * to keep in step with joins, leaves and dead nodes. A client's kind is fixed for its connection
 * (announced in the handshake).
 */
const REVEALS = '~reveals';

export function connectionId(nodeId: string, socketId: string, revealsItself: boolean): string {
  return `${nodeId}#${socketId}${revealsItself ? REVEALS : ''}`;
}

/** True for a connection whose client reveals burn-after-reading messages itself. */
export function revealsItself(connectionId: string): boolean {
  return connectionId.endsWith(REVEALS);
}

/** The socket.io socket id a connection id was made from (on its own node). */
export function socketIdOf(connectionId: string): string {
  const socketId = connectionId.slice(connectionId.indexOf('#') + 1);
  return socketId.endsWith(REVEALS) ? socketId.slice(0, -REVEALS.length) : socketId;
}
