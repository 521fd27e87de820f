import { z } from 'zod';
import { ROOM_TOKEN_PATTERN } from './room-token-format.js';

export { ROOM_TOKEN_PATTERN, isRoomToken } from './room-token-format.js';

export const RoomToken = z.string().regex(ROOM_TOKEN_PATTERN, 'room token must look like ABC-123-XYZ');
