/**
 * The numbers GhostChat runs by that are not configuration (config.ts holds what an operator may
 * set). Each says why it is what it is; change one here and it changes everywhere it is used.
 */

// --- Start-up and shutdown ------------------------------------------------------------------------

/** How long start-up waits for the store before serving without it (it keeps retrying behind). */
export const STORE_WAIT_MS = 3_000;

/**
 * How long shutdown waits for clients to take the `server-shutdown` notice before closing anyway:
 * a polling client that has gone never polls again, and engine.io would wait 30 s or more for it.
 */
export const SHUTDOWN_NOTICE_GRACE_MS = 1_000;

/**
 * glibc malloc settings for the processes GhostChat starts itself (cluster workers; the Docker image
 * sets the same), unless the operator set any MALLOC_* variable or GLIBC_TUNABLES. Once a freed
 * 10 MB image buffer has raised glibc's mmap threshold, such buffers come from arenas (one per
 * thread that allocates, sharp's included) and their freed space stays there, fragmented. Blocks of
 * 1 MiB and up mapped on their own (returned when freed) and two arenas took the peak RSS growth of
 * 20 concurrent 10 MB uploads from 124-149 MB to 84-98 MB; socket reads (64 KiB) are left alone.
 * glibc reads them at process start only: a running process cannot change them.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '1048576',
};

// --- HTTP -----------------------------------------------------------------------------------------

/** JSON bodies are small (GhostChat's REST API takes none bigger); uploads have their own bound. */
export const HTTP_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Node's own bound on receiving one request, which Fastify turns off: an upload that trickles in
 * would otherwise hold its place among the images being received for ever. 5 minutes lets a
 * 10 MB upload through a slow phone connection.
 */
export const HTTP_REQUEST_TIMEOUT_MS = 300_000;

/** What a refused image download (IMAGES_BUSY) is told to wait: downloads in flight end within seconds. */
export const IMAGES_BUSY_RETRY_AFTER_SECONDS = 1;

/** /readyz answers within an orchestrator's probe timeout (often 1 s) even when the store hangs. */
export const READINESS_PROBE_TIMEOUT_MS = 1_000;

// --- Realtime -------------------------------------------------------------------------------------

/**
 * Events one connection may have queued before more are refused with TOO_MANY_PENDING: far above
 * what a person types, low enough that a flooding client holds little memory.
 */
export const MAX_PENDING_EVENTS_PER_CONNECTION = 256;

/** Binary attachments one socket.io packet may declare: `send-image` carries at most one. */
export const MAX_PACKET_ATTACHMENTS = 1;

/** Images one connection may have queued or in progress; an image packet can be ~14 MB. */
export const MAX_PENDING_IMAGES_PER_CONNECTION = 2;

/** A refused handshake's origin is logged at most once per this long (a page retries constantly). */
export const REFUSED_ORIGIN_LOG_WINDOW_MS = 60_000;

/** Distinct refused origins remembered at once; past that, one line says more were refused. */
export const REFUSED_ORIGINS_TRACKED = 100;

/** Longer Origin headers are cut in the log: a browser's is far shorter, a forged one need not be. */
export const REFUSED_ORIGIN_MAX_LOGGED_LENGTH = 200;

// --- Images -------------------------------------------------------------------------------------

/**
 * The longest sharp may take to decode and re-encode one image: far more than an image within the
 * pixel limit needs, so one that takes longer is refused as invalid rather than hold its slot.
 */
export const IMAGE_PROCESSING_TIMEOUT_SECONDS = 30;

/** JPEG and WebP are re-encoded (to drop their metadata) at this quality: no visible loss. */
export const IMAGE_REENCODE_QUALITY = 90;

// --- Background tasks -----------------------------------------------------------------------------

/** Expired messages (and images) claimed per store call: one pass never holds Redis for long. */
export const EXPIRY_BATCH_SIZE = 1_000;

/**
 * How often ghostchat_media_stored_bytes recounts a local UPLOAD_DIR (a listing of every file) at
 * most: scrapes in between get the last count, so a frequent scraper cannot make a large directory
 * be listed over and over.
 */
export const MEDIA_RECOUNT_MS = 5_000;

/** Image files younger than this are never swept as orphans: their record may be on its way. */
export const ORPHAN_SWEEP_MIN_AGE_MS = 60_000;

/**
 * Bytes per element of an image's list in Redis (MEDIA_STORE=redis): large enough that a 10 MB
 * image is 40 round trips, small enough that no single value or reply holds up the connection.
 */
export const MEDIA_CHUNK_BYTES = 256 * 1024;

/**
 * A write to Redis that adds no chunk for this long has lapsed (its node died or lost Redis): its
 * chunks and its reservation of the budget expire by themselves. Writes come from memory, so a live
 * one adds a chunk every few milliseconds.
 */
export const MEDIA_WRITE_STALE_MS = 30_000;

/** Staged uploads older than this are leftovers of a crashed process (receiving is bounded at 5 min). */
export const STAGED_UPLOAD_STALE_MS = 15 * 60_000;

/**
 * A background task that keeps failing (the store is down) waits longer each time, doubling from
 * its own interval up to this, instead of hammering a dead store every 100 ms. A store that comes
 * back wakes the tasks at once, so this only bounds how late a silent recovery is noticed.
 */
export const POLLER_MAX_BACKOFF_MS = 5_000;

/** While a background task keeps failing, one reminder this often: an outage is never silent. */
export const POLLER_FAILURE_REMINDER_MS = 60_000;

// --- Rooms and history ---------------------------------------------------------------------------

/** Messages in a history page when the client does not say (`?limit=`), and the most it may ask for. */
export const HISTORY_PAGE_DEFAULT_LIMIT = 50;
export const HISTORY_PAGE_MAX_LIMIT = 200;

/**
 * Bytes of stored messages in one history page, whatever the limit: a page of the longest messages
 * stays far below 1 MB (each message alone is at most about 6 x MAX_MESSAGE_LENGTH bytes as JSON).
 */
export const HISTORY_PAGE_MAX_BYTES = 256 * 1024;

/**
 * Letters and digits (dashes aside) a token needs to open a room that does not exist yet: the
 * earlier web client makes `K7P-QX-4M` (7, about 35 bits from its 32-character alphabet), the page
 * makes 3 x 3. Shorter tokens still reach rooms that exist, so no link someone holds breaks.
 */
export const NEW_ROOM_TOKEN_MIN_CHARS = 7;

// --- Resuming dropped connections ------------------------------------------------------------------

/**
 * Missed messages one room replays to a resumed connection, and their bytes: a history page's worth.
 * A longer gap is reported (`recovered: false`) and the client reads the history instead.
 */
export const RESUME_MAX_REPLAY_MESSAGES = 200;
export const RESUME_MAX_REPLAY_BYTES = 256 * 1024;

/** Live connections' resume records are renewed this many times per window (a node that dies cannot). */
export const RESUME_REFRESHES_PER_WINDOW = 3;

// --- Presence -------------------------------------------------------------------------------------

/** A node that missed this many heartbeats in a row is taken for dead and its participants leave. */
export const MISSED_HEARTBEATS_BEFORE_DEAD = 3;

/**
 * Shared presence keys live this many heartbeats past the last one (60 s by default): every
 * heartbeat renews those of the rooms the node holds members in, so they never expire under a live
 * member, and those a dead node left (that no other node reaped) are gone within a minute.
 */
export const PRESENCE_TTL_HEARTBEATS = 12;

// --- Store ----------------------------------------------------------------------------------------

/** A store call that takes longer than this is reported as failed rather than left hanging. */
export const STORE_CALL_TIMEOUT_MS = 5_000;

/** How long opening a connection to Redis may take before node-redis retries. */
export const REDIS_CONNECT_TIMEOUT_MS = 5_000;

/** A graceful close of a connected Redis client (pending replies) gets this long before it is cut. */
export const REDIS_CLOSE_TIMEOUT_MS = 2_000;

/** node-redis reconnects after 50 ms, doubling up to this: quick after a blip, gentle in an outage. */
export const REDIS_RECONNECT_MAX_DELAY_MS = 2_000;

/**
 * A room's keys (index, sequence, sizes, opening time) outlive its last message's deadline by this,
 * so an expiry pass a little late (or a node's clock a little off) still finds them. Normally they
 * go when the last message is claimed; this bounds how long they stay when no node claims it.
 */
export const ROOM_KEYS_GRACE_MS = 60_000;

/** Message ids outlive their deadline in the global schedule by this, so a late expiry pass finds them. */
export const MESSAGE_SCHEDULE_GRACE_MS = 3_600_000;

/** The image schedule outlives its latest member by this much, so a due image is still there to claim. */
export const IMAGE_SCHEDULE_GRACE_MS = 86_400_000;

/** The /api/redis/test probe value removes itself after this even if the delete never arrives. */
export const STORE_PROBE_TTL_MS = 10_000;

// --- Client limits ----------------------------------------------------------------------------------

/**
 * A socket that has SOCKET_FLOOD_REFUSALS events refused as RATE_LIMITED within this long is
 * disconnected: refusals are forgotten at SOCKET_FLOOD_REFUSALS per this long, so a client that
 * overshoots now and then is only refused, and one that keeps sending far past its limit goes.
 */
export const SOCKET_FLOOD_WINDOW_MS = 10_000;

/**
 * An address one of whose sockets was disconnected for flooding opens no new connection on that
 * node for this long: otherwise each reconnect would come with a full burst of its own.
 */
export const FLOOD_RECONNECT_BAR_MS = 60_000;

/**
 * Client addresses are kept only as HMACs under a key that changes this often (and is forgotten one
 * period later), as privacy-minded analytics do with a daily salt. A day, because the image bytes
 * stored per address must be counted for as long as those images live (MAX_TTL, a day by default).
 */
export const ADDRESS_KEY_PERIOD_MS = 86_400_000;

/** While the store cannot give the day's salt, this process's own stands in, for this long at a time. */
export const ADDRESS_SALT_RETRY_MS = 30_000;

/**
 * IPv6 addresses are counted per /64: one subscriber usually holds a whole /64, and could otherwise
 * take a fresh address for every request.
 */
export const IPV6_PREFIX_BITS = 64;

/**
 * How often each node sends the bytes it stored to the shared totals (MAX_STORED_MESSAGE_BYTES,
 * MAX_UPLOAD_BYTES_TOTAL) and reads back what every node stored: one store call a second instead of
 * one per message. Between two, a node counts its own bytes at once and the others' a second late.
 */
export const USAGE_SYNC_MS = 1_000;

/** Bytes counted in a total are grouped by deadline, rounded up to this: freed at most this late. */
export const USAGE_BUCKET_MS = 1_000;

// --- Cluster (WORKERS > 1) ------------------------------------------------------------------------

/** A scrape waits this long for each worker's metrics; one that is slower is left out of that scrape. */
export const CLUSTER_METRICS_TIMEOUT_MS = 2_000;

/**
 * A worker that dies is replaced at once, unless it lived less than this: then each replacement
 * waits twice as long as the last (up to WORKER_RESTART_MAX_DELAY_MS), so a worker that cannot
 * start does not fork in a tight loop.
 */
export const WORKER_STABLE_AFTER_MS = 10_000;
export const WORKER_RESTART_MAX_DELAY_MS = 10_000;

/**
 * The primary hands a connection to a worker once it has read its first request line; one that
 * sends nothing for this long is closed (Node's own headers timeout for an HTTP server).
 */
export const PRIMARY_FIRST_BYTES_TIMEOUT_MS = 60_000;

/** Open files a process keeps for itself besides connections, image downloads and uploads (src/open-files.ts). */
export const OPEN_FILES_BASE_RESERVE = 128;
