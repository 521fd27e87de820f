import type { GhostChatClient } from '../../src/client/ghostchat-client.js';
import { connect } from '../../src/client/ghostchat-client.js';
import type { NewMessage } from '../../src/protocol/messages.js';
import type { ResumeOutcome } from '../../src/protocol/resume.js';
import { afterThisTest } from './cleanup.js';

/** A typed client that resumes, reconnecting at once through `url`; closed when the test ends. */
export async function resumingClient(url: string, features: Array<'reveal'> = []): Promise<GhostChatClient> {
  const client = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    resume: true,
    features,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
  });
  afterThisTest(() => client.close());
  const session = nextSession(client);
  await client.opened();
  await session;
  return client;
}

function nextSession(client: GhostChatClient): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on('session', () => {
      off();
      resolve();
    });
  });
}

export function nextResume(client: GhostChatClient): Promise<ResumeOutcome> {
  return new Promise((resolve) => {
    const off = client.onResume((outcome) => {
      off();
      resolve(outcome);
    });
  });
}

/** What a typed client hears from now on. */
export function listen(client: GhostChatClient) {
  const messages: NewMessage[] = [];
  const expired: string[] = [];
  client.on('new-message', (m) => void messages.push(m));
  client.on('message-expired', (e) => void expired.push(e.messageId));
  return { messages, expired };
}
