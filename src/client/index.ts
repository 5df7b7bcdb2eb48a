/** The engine's websocket client: works with any WebSocket-like constructor (browser or `ws`). */
export { RiskEngineClient, type ClientEvents, type ClientOptions, type ConnectedEvent, type Credentials, type DisconnectedEvent } from './client.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export type { BackoffOptions } from './backoff.js';
export type * from './frames.js';
export type { FrameData, HttpRefusal, WebSocketConstructorLike, WebSocketLike } from './socket.js';
