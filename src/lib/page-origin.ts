/**
 * Where GhostChat's own page may run. The origins come from configuration (PUBLIC_URL) or, by
 * default, are the loopback names of the port the request arrived on, so `npm start` and
 * http://localhost:3001 need no set-up. Never derived from the request's Host or Origin: a page
 * on a domain that an attacker rebinds to this machine (DNS rebinding) would otherwise pass.
 */
export function pageOrigins(configured: readonly string[] | null, localPort: number | undefined): readonly string[] {
  if (configured !== null) return configured;
  if (localPort === undefined) return [];
  // Through URL so that port 80 is written the way browsers write it (no port).
  return ['localhost', '127.0.0.1', '[::1]'].map((host) => new URL(`http://${host}:${localPort}`).origin);
}

/** Whether a request's Host header names one of the page's origins (page responses only go there). */
export function isPageHost(host: string | undefined, origins: readonly string[]): boolean {
  if (host === undefined) return false;
  const wanted = host.toLowerCase();
  return origins.some((origin) => new URL(origin).host === wanted);
}
