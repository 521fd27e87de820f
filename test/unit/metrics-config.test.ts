import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('metrics configuration', () => {
  it('serves no metrics by default', () => {
    expect(loadConfig({}).metrics).toEqual({ port: null, host: '0.0.0.0', token: null });
  });

  it('takes a port of their own, on HOST unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({ METRICS_PORT: '9464', HOST: '127.0.0.1' }).metrics).toEqual({
      port: 9464,
      host: '127.0.0.1',
      token: null,
    });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics.host).toBe('10.0.0.5');
  });

  it('refuses the public port as the metrics port, and ports out of range', () => {
    expect(() => loadConfig({ PORT: '3001', METRICS_PORT: '3001' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_PORT: '0' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });

  it('refuses a guessable token', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: '  a-token-of-sixteen-chars  ' }).metrics.token).toBe(
      'a-token-of-sixteen-chars',
    );
  });
});
