import { claimDueImages, expireImageSooner, putImage, removeImage } from './image-scripts.js';
import { catchUpMessages } from './catch-up-scripts.js';
import {
  appendMediaChunk,
  commitMedia,
  expireMediaSooner,
  listMedia,
  mediaInfo,
  mediaUsage,
  removeMedia,
  reserveMedia,
} from './media-scripts.js';
import { appendMessage, claimDueMessages, expireMessagesSooner, removeMessage } from './message-scripts.js';
import { heartbeat, joinRoom, leaveRoom } from './presence-scripts.js';
import { touchRoom } from './room-scripts.js';
import { addUnread, takeUnread } from './unread-scripts.js';
import { addressSalt, applyUsage, takeToken } from './limit-scripts.js';

/**
 * Every Lua script the stores run, registered with the client (`createClient({ scripts })`) so
 * each is a typed method, e.g. `client.joinRoom(keys, args)`. node-redis sends EVALSHA and falls
 * back to EVAL when the server does not know the script yet (e.g. after a restart).
 */
export const scripts = {
  appendMessage,
  catchUpMessages,
  expireMessagesSooner,
  removeMessage,
  claimDueMessages,
  putImage,
  expireImageSooner,
  removeImage,
  claimDueImages,
  joinRoom,
  leaveRoom,
  heartbeat,
  touchRoom,
  addUnread,
  takeUnread,
  takeToken,
  applyUsage,
  addressSalt,
  reserveMedia,
  appendMediaChunk,
  commitMedia,
  mediaInfo,
  expireMediaSooner,
  removeMedia,
  mediaUsage,
  listMedia,
};
