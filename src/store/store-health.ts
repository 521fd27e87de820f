export type StoreState = 'connected' | 'disconnected' | 'memory';

export interface StoreHealth {
  readonly kind: 'memory' | 'redis';
  state(): StoreState;
  /** Writes, reads back and deletes a probe value; resolves with what was read. */
  roundTrip(): Promise<string>;
}
