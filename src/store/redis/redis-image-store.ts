import type { DueImage, ImageRecord, ImageRef, ImageStore } from '../image-store.js';
import { IMAGE_SCHEDULE_GRACE_MS } from '../../defaults.js';
import type { ImageKeys } from './image-scripts.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

type StoredRecord = Omit<ImageRecord, 'key' | 'expiresAt'>;

/** `id|filename|roomToken|messageId`: none of these can hold a `|`. */
export function scheduleMember(ref: ImageRef): string {
  return [ref.id, ref.filename, ref.carrier?.roomToken ?? '', ref.carrier?.messageId ?? ''].join('|');
}

function parseMember(member: string): ImageRef | null {
  const [id, filename, roomToken, messageId] = member.split('|');
  if (!id || !filename) return null;
  return { id, filename, carrier: roomToken && messageId ? { roomToken, messageId } : null };
}

/**
 * The record (JSON, without the key) at `image:{id}`, the key alone at `image:{id}:key`, two
 * indexes, all expiring natively at the deadline; one schedule sorted by deadline is the source
 * of truth for when an image is due and is popped atomically.
 */
export class RedisImageStore implements ImageStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  put(record: ImageRecord): Promise<void> {
    const { key, expiresAt, ...stored } = record;
    return storeCall(() =>
      this.client.putImage(this.keysOf(record), {
        json: JSON.stringify(stored satisfies StoredRecord),
        key,
        deadline: expiresAt,
        id: record.id,
        member: scheduleMember(record),
        keepScheduleUntil: expiresAt + IMAGE_SCHEDULE_GRACE_MS,
      }),
    );
  }

  get(id: string, now: number): Promise<ImageRecord | null> {
    return storeCall(async () => {
      const [json, key] = await this.client.mGet([this.keys.image(id), this.keys.imageKey(id)]);
      if (!json || !key) return null;
      const stored = JSON.parse(json) as StoredRecord;
      const deadline = await this.client.zScore(this.keys.imageSchedule(), scheduleMember(stored));
      if (deadline === null || deadline <= now) return null;
      return { ...stored, key, expiresAt: deadline };
    });
  }

  getByFilename(filename: string, now: number): Promise<ImageRecord | null> {
    return this.getVia(this.keys.imageByFile(filename), now);
  }

  getByMessage(messageId: string, now: number): Promise<ImageRecord | null> {
    return this.getVia(this.keys.imageByMessage(messageId), now);
  }

  expireSooner(ref: ImageRef, expiresAt: number): Promise<boolean> {
    return storeCall(() => this.client.expireImageSooner(this.keysOf(ref), expiresAt, scheduleMember(ref)));
  }

  remove(ref: ImageRef): Promise<boolean> {
    return storeCall(() => this.client.removeImage(this.keysOf(ref), scheduleMember(ref)));
  }

  claimDue(now: number, limit: number): Promise<DueImage[]> {
    return storeCall(async () => {
      const due = await this.client.claimDueImages(this.keys.imageSchedule(), now, limit, this.keys.prefix);
      return due.flatMap(({ member, dueAt }) => {
        const ref = parseMember(member);
        return ref ? [{ ...ref, dueAt }] : [];
      });
    });
  }

  private async getVia(indexKey: string, now: number): Promise<ImageRecord | null> {
    const id = await storeCall(() => this.client.get(indexKey));
    return id === null ? null : this.get(id, now);
  }

  /** Schedule first, then every key that dies with the image. */
  private keysOf(ref: ImageRef): ImageKeys {
    return {
      schedule: this.keys.imageSchedule(),
      record: this.keys.image(ref.id),
      key: this.keys.imageKey(ref.id),
      byFile: this.keys.imageByFile(ref.filename),
      byMessage: ref.carrier ? this.keys.imageByMessage(ref.carrier.messageId) : null,
    };
  }
}
