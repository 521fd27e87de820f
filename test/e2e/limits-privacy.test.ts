import { describe, expect, it } from 'vitest';
import { openClient, request } from '../helpers/client.js';
import { http } from '../helpers/http.js';
import { makeImage } from '../helpers/images.js';
import { captureServerLog } from '../helpers/log-capture.js';
import { startServer } from '../helpers/server.js';
import { dumpPrefix } from '../helpers/redis-dump.js';
import { storeKinds } from '../helpers/stores.js';

const CLIENT = '203.0.113.77';
const CLIENT_V6 = '2001:db8:77:1::5';

describe.each(storeKinds())('client addresses on %s', (store) => {
  it('are never logged, even at trace, nor kept in the store in plain', async () => {
    // The production logger, at trace: what an operator who turns every log on would keep.
    const captured = captureServerLog('trace');
    const running = await startServer({
      store,
      log: captured.log,
      env: {
        TRUSTED_PROXIES: '127.0.0.1',
        HTTP_LOOKUPS_PER_MINUTE: '2',
        SOCKET_EVENTS_PER_SECOND: '1',
        SOCKET_EVENTS_BURST: '3',
        MAX_CONNECTIONS_PER_ADDRESS: '1',
        MAX_IMAGE_BYTES_PER_ADDRESS: '0',
      },
    });
    for (const address of [CLIENT, CLIENT_V6]) {
      const headers = { 'x-forwarded-for': address };
      for (let i = 0; i < 3; i++) await http(`${running.url}/api/room/ABC-123-XYZ/messages`, { headers });
      const form = new FormData();
      form.append('image', new Blob([await makeImage('png')], { type: 'image/png' }), 'p.png');
      expect((await fetch(`${running.url}/api/upload-image`, { method: 'POST', body: form, headers })).status).toBe(
        200,
      );
      const socket = await openClient(running.url, { headers });
      // A second socket from the address is refused: the refusal is counted, and logged nowhere.
      await expect(openClient(running.url, { headers })).rejects.toThrow();
      await request(socket, 'join-room', { roomToken: 'ABC-123-XYZ', agentId: `a${address.length}` });
      const flood = await Promise.all(
        Array.from({ length: 5 }, () => request(socket, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'hi' })),
      );
      expect(flood.some((a) => !a.ok && a.error.code === 'RATE_LIMITED')).toBe(true);
    }
    const logged = captured.text();
    expect(logged.length).toBeGreaterThan(0);
    for (const plain of [CLIENT, CLIENT_V6, '2001:db8:77:1::', '2001:db8:77:1']) expect(logged).not.toContain(plain);
    if (store === 'redis') {
      const dump = await dumpPrefix(running.config.redis!.url, running.prefix!);
      const stored = [...dump].map(([key, value]) => `${key} ${value}`).join('\n');
      expect(stored).toContain('rate:lookup:');
      for (const plain of [CLIENT, CLIENT_V6, '2001:db8:77:1']) expect(stored).not.toContain(plain);
    }
  });
});
