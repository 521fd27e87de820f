import { describe, expect, it } from 'vitest';
import { joinedClient, request } from '../helpers/client.js';
import { makeImage, multipartHead, rawUpload, stagedFiles, upload, type RawUpload } from '../helpers/images.js';
import { startServer } from '../helpers/server.js';
import { eventually } from '../helpers/client.js';
import { afterThisTest } from '../helpers/cleanup.js';

/** An upload that sends its headers and four bytes of body, then nothing. */
function stalledUpload(url: string): RawUpload {
  const stalled = rawUpload(url, { 'content-length': 1024 * 1024 });
  afterThisTest(() => stalled.request.destroy());
  stalled.request.write(Buffer.concat([multipartHead(), Buffer.from([0x89, 0x50, 0x4e, 0x47])]));
  return stalled;
}

describe('uploads that stall', () => {
  it("hold no one's place: more stalled uploads than images may wait do not block uploads or send-image", async () => {
    // Two images may wait or be processed at once; five uploads stall.
    const env = { MAX_CONCURRENT_IMAGES: '1', MAX_QUEUED_IMAGES: '1', UPLOAD_IDLE_TIMEOUT_MS: '60000' };
    const { url, config } = await startServer({ env });
    for (let i = 0; i < 5; i++) stalledUpload(url);
    await eventually(async () => (await stagedFiles(config.media.uploadDir)).length === 5);
    const uploaded = await upload(url, await makeImage('png'));
    expect(uploaded.status).toBe(200);
    const client = await joinedClient(url, 'STA-LLE-D01', 'Sender');
    const sent = await request(client, 'send-image', {
      roomToken: 'STA-LLE-D01',
      imageData: { blob: await makeImage('png') },
    });
    expect(sent.ok).toBe(true);
  });

  it('are answered 408 UPLOAD_STALLED once silent for the idle timeout, their staged bytes gone', async () => {
    const { url, config } = await startServer({ env: { UPLOAD_IDLE_TIMEOUT_MS: '300' } });
    const stalled = stalledUpload(url);
    const closed = new Promise<void>((resolve) => stalled.request.on('close', () => resolve()));
    const answer = await stalled.response;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ success: false, error: { code: 'UPLOAD_STALLED' } });
    await closed;
    await eventually(async () => (await stagedFiles(config.media.uploadDir)).length === 0);
    // A steady upload is no stalled one.
    expect((await upload(url, await makeImage('png'))).status).toBe(200);
  });
});
