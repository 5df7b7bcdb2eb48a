/**
 * The endpoint string an engine announces (OwnershipView: `engines()[].endpoint`,
 * `routeOf(p).endpoint`) and what its peers derive from it. One string, so the partitions table
 * keeps one column:
 *
 *   the engine's own base URL as its peers reach it: `http://host:port` (or `https://host:port`
 *   when the gateway terminates TLS), no path, no trailing slash. E.g. `http://10.0.0.5:8080`.
 *
 * - REST proxying uses it as it is (`http://10.0.0.5:8080/portfolios/p-1`).
 * - The internal link is the websocket route CLUSTER_PATH on that same port, with the scheme
 *   `ws` (or `wss`): `ws://10.0.0.5:8080/internal/cluster/v1`.
 *
 * The host must be an address the other engines can reach (not 0.0.0.0): main.ts builds it from
 * CLUSTER_ADVERTISE (or the listen host and port) once the gateway listens.
 */

/** The internal websocket's path on every engine's own uWS app. */
export const CLUSTER_PATH = '/internal/cluster/v1';

export interface ParsedEndpoint {
  /** Where REST requests go: `http(s)://host:port`. */
  readonly httpBase: string;
  /** The internal link: `ws(s)://host:port/internal/cluster/v1`. */
  readonly linkUrl: string;
}

/** The endpoint of an engine listening on `host:port` (tls: https). */
export function endpointOf(host: string, port: number, tls = false): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}

/** The two addresses of an endpoint, or undefined when it is not an http(s) base URL. */
export function parseEndpoint(endpoint: string): ParsedEndpoint | undefined {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') return undefined;
  if (u.pathname !== '/' && u.pathname !== '') return undefined;
  const httpBase = `${u.protocol}//${u.host}`;
  return { httpBase, linkUrl: `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}${CLUSTER_PATH}` };
}
