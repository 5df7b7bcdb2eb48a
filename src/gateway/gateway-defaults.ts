/**
 * The gateway's defaults (server.ts); src/config.ts maps PORT, HOST, MAX_FRAME_BYTES, MAX_BODY_BYTES,
 * CORS_ORIGINS and the WS_* variables onto them. A file of its own so that reading them does not load uWebSockets.js.
 */
export const GATEWAY_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  maxFrameBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
  slowConsumerBytes: 256 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  idleTimeoutSeconds: 120,
  authTimeoutMs: 10_000,
  maxSessionAgeMs: 24 * 3600 * 1000,
  maxSubscriptions: 1024,
  allowQueryToken: false,
  corsOrigins: Object.freeze([]) as readonly string[],
});
