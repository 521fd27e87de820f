/** Socket.io event names: the wire contract shared with GhostChat clients. */
export const ClientEvents = {
  joinRoom: 'join-room',
  leaveRoom: 'leave-room',
  sendMessage: 'send-message',
  sendImage: 'send-image',
  revealMessage: 'reveal-message',
} as const;

export const ServerEvents = {
  roomJoined: 'room-joined',
  participantJoined: 'participant-joined',
  participantLeft: 'participant-left',
  newMessage: 'new-message',
  messageExpired: 'message-expired',
  messageBurning: 'message-burning',
  error: 'error',
  serverShutdown: 'server-shutdown',
  /** Feature `resume` only: the credential to resume with, and how a resume went. */
  session: 'session',
} as const;

export type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];
export type ServerEventName = (typeof ServerEvents)[keyof typeof ServerEvents];
