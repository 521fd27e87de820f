import { afterEach, describe, expect, it } from 'vitest';
import { HealthResponse } from '../../src/http/health-routes.js';
import { RoomMessagesResponse, RoomStatsResponse } from '../../src/http/room-routes.js';
import { closeAllClients, joinedClient, request } from '../helpers/client.js';
import { getJson, http } from '../helpers/http.js';
import { startServer, type RunningServer } from '../helpers/server.js';

describe('the OpenAPI document', () => {
  let running: RunningServer;
  afterEach(async () => {
    closeAllClients();
    await running?.close();
  });

  it('documents every registered route, with the schemas the routes parse with', async () => {
    running = await startServer({ env: { METRICS_TOKEN: 'metrics-token-for-tests-0123456789' } });
    const { status, body: doc } = await http(`${running.url}/api/openapi.json`);
    expect(status).toBe(200);
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'GhostChat', version: expect.any(String) });

    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    const routes = operations.map((o) => o.route);
    for (const route of [
      'GET /api/health',
      'GET /api/redis/test',
      'GET /api/room/{token}/stats',
      'GET /api/room/{token}/messages',
      'GET /livez',
      'GET /readyz',
      'GET /metrics',
      'GET /api/openapi.json',
      'POST /api/upload-image',
      'GET /api/image/{filename}',
      'DELETE /api/image/{imageId}',
    ]) {
      expect(routes).toContain(route);
    }
    // A route added without `config.doc` shows up here: document it where it is declared.
    expect(operations.filter((o) => o.op['x-undocumented']).map((o) => o.route)).toEqual([]);
    expect(routes.some((r) => r.startsWith('HEAD '))).toBe(false);

    const stats = doc.paths['/api/room/{token}/stats'].get;
    expect(stats.parameters).toEqual([
      {
        name: 'token',
        in: 'path',
        required: true,
        schema: expect.objectContaining({ type: 'string', pattern: expect.any(String) }),
      },
    ]);
    expect(stats.responses['200'].content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['roomToken', 'participantCount', 'messageCount', 'createdAt']),
    );
    expect(stats.responses['400'].content['application/json'].schema.properties.error.properties.code.enum).toEqual([
      'ROOM_TOKEN_INVALID',
    ]);
    expect(doc.paths['/metrics'].get.security).toEqual([{ bearer: [] }]);
    const uploadBody = doc.paths['/api/upload-image'].post.requestBody.content['multipart/form-data'].schema;
    expect(uploadBody.properties.image).toMatchObject({ type: 'string', format: 'binary' });
    expect(uploadBody.required).toEqual(['image']);
  });

  it('describes the responses the server really sends', async () => {
    running = await startServer();
    const ghost = await joinedClient(running.url, 'ABC-123-XYZ', 'Ghost');
    await request(ghost, 'send-message', { roomToken: 'ABC-123-XYZ', message: 'hello' });
    expect(HealthResponse.safeParse(await getJson(`${running.url}/api/health`)).success).toBe(true);
    expect(RoomStatsResponse.safeParse(await getJson(`${running.url}/api/room/ABC-123-XYZ/stats`)).success).toBe(true);
    const history = RoomMessagesResponse.safeParse(await getJson(`${running.url}/api/room/ABC-123-XYZ/messages`));
    expect(history.error).toBeUndefined();
    expect(history.data?.count).toBe(1);
  });
});
