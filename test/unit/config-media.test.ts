import { describe, expect, it } from 'vitest';
import { ConfigError, dataUrlLength, loadConfig } from '../../src/config.js';

describe('image configuration', () => {
  it('defaults to files in ./uploads, 10 MB per image, 1 GB in all, 50 MP', () => {
    const { media } = loadConfig({});
    expect(media).toEqual({
      store: 'local',
      uploadDir: './uploads',
      maxUploadBytes: 10 * 1024 * 1024,
      maxUploadBytesTotal: 1024 ** 3,
      maxImagePixels: 50_000_000,
      maxConcurrentImages: 2,
      maxQueuedImages: 32,
      orphanSweepMs: 3_600_000,
      uploadIdleTimeoutMs: 10_000,
      maxImageDownloads: 256,
      downloadIdleTimeoutMs: 10_000,
      roomlessBytesTotal: Math.floor(1024 ** 3 / 10),
      roomlessMaxTtlSeconds: 3_600,
    });
  });

  it('caps a room at 2000 messages, 4 MiB of them and 64 MiB of images by default', () => {
    expect(loadConfig({}).rooms).toEqual({
      maxMessages: 2_000,
      maxMessageBytes: 4 * 1024 ** 2,
      maxImageBytes: 64 * 1024 ** 2,
    });
    expect(() => loadConfig({ MAX_ROOM_IMAGE_BYTES: '2048' })).toThrow(/MAX_ROOM_IMAGE_BYTES/);
    expect(() => loadConfig({ MAX_ROOM_MESSAGE_BYTES: '1000' })).toThrow(/MAX_ROOM_MESSAGE_BYTES/);
  });

  it('keeps uploads without a room to a tenth of the disk budget unless told otherwise', () => {
    const media = loadConfig({ MAX_UPLOAD_BYTES_TOTAL: '20000000', MAX_UPLOAD_BYTES: '1048576' }).media;
    expect(media.roomlessBytesTotal).toBe(2_000_000);
    expect(() => loadConfig({ ROOMLESS_UPLOAD_BYTES_TOTAL: '2048' })).toThrow(/ROOMLESS_UPLOAD_BYTES_TOTAL/);
  });

  it('keeps images in Redis only when asked, and only with a Redis to keep them in', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).media.store).toBe('local');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', MEDIA_STORE: 'redis' }).media.store).toBe('redis');
    expect(loadConfig({ REDIS_HOST: 'redis', MEDIA_STORE: 'redis' }).media.store).toBe('redis');
    expect(() => loadConfig({ MEDIA_STORE: 'redis' })).toThrow(/MEDIA_STORE.*REDIS_URL/);
    expect(() => loadConfig({ MEDIA_STORE: 's3', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/MEDIA_STORE/);
  });

  it('sizes the socket buffer for one image as a data: URL, not much more', () => {
    const config = loadConfig({});
    const oneImage = dataUrlLength(config.media.maxUploadBytes);
    expect(config.limits.maxSocketPayloadBytes).toBeGreaterThan(oneImage);
    expect(config.limits.maxSocketPayloadBytes).toBeLessThan(oneImage * 1.1);
    expect(loadConfig({ MAX_SOCKET_PAYLOAD_BYTES: '2000000' }).limits.maxSocketPayloadBytes).toBe(2_000_000);
  });

  it('refuses nonsense', () => {
    expect(() => loadConfig({ MAX_UPLOAD_BYTES: '10MB' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_UPLOAD_BYTES: '2048', MAX_UPLOAD_BYTES_TOTAL: '1024' })).toThrow(
      /MAX_UPLOAD_BYTES_TOTAL/,
    );
    expect(() => loadConfig({ MAX_IMAGE_PIXELS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAX_IMAGE_PIXELS: '268402689' })).toThrow(ConfigError);
    expect(() => loadConfig({ UPLOAD_DIR: 'a\0b' })).toThrow(/UPLOAD_DIR/);
    expect(() => loadConfig({ MAX_IMAGE_DOWNLOADS: '0' })).toThrow(/MAX_IMAGE_DOWNLOADS/);
    expect(() => loadConfig({ DOWNLOAD_IDLE_TIMEOUT_MS: '50' })).toThrow(/DOWNLOAD_IDLE_TIMEOUT_MS/);
  });
});
