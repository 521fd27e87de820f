import { connect } from '../src/client/ghostchat-client.js';
import { ClientFeatures } from '../src/protocol/client-features.js';
import type { ClientConfig } from '../src/protocol/client-config.js';
import { App } from './app.js';
import { setStatus } from './dom.js';

async function fetchConfig(): Promise<ClientConfig> {
  const response = await fetch('/api/config', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`config: ${response.status}`);
  return (await response.json()) as ClientConfig;
}

async function start(): Promise<void> {
  setStatus('Connecting…');
  let config: ClientConfig;
  try {
    config = await fetchConfig();
  } catch {
    setStatus('Cannot reach the GhostChat server. Reload the page to try again.');
    return;
  }
  // WebSocket first (the page's CSP allows this origin only), long-polling if a proxy blocks it.
  // The page reveals burn-after-reading messages itself: only a person's tap reads one.
  // It resumes after a lost connection: back in its room under its name, with what it missed.
  const client = connect(location.origin, {
    transports: ['websocket', 'polling'],
    features: [ClientFeatures.reveal],
    resume: true,
  });
  let everConnected = false;
  client.onConnect(() => {
    setStatus(everConnected ? 'Reconnected.' : 'Connected.');
    everConnected = true;
  });
  client.onDisconnect((reconnecting) =>
    setStatus(reconnecting ? 'Connection lost. Reconnecting…' : 'Disconnected. Reload the page to reconnect.'),
  );
  client.socket.on('connect_error', () => setStatus('Cannot reach the server. Retrying…'));
  const app = new App(client, config);
  window.addEventListener('hashchange', () => void app.route());
  await app.route();
}

void start();
