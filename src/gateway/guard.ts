/**
 * The one guard around every uWS callback. uWS calls into JavaScript from C++; an exception that
 * escapes a handler would end the process, and every other caller with it. Here it becomes a
 * 500 INTERNAL answer (HTTP) or an `error` frame (websocket) carrying a request id, and a log line
 * with the stack under the same id.
 */
import type { HttpRequest, HttpResponse, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import { errors } from './errors.js';
import type { HttpPolicy } from './http-policy.js';
import { Reply, fail } from './http-util.js';
import { nextRequestId } from './request-id.js';
import type { LogFn } from '../logger.js';
import type { UserData } from './ws-session.js';

type HttpHandler = (reply: Reply, req: HttpRequest, res: HttpResponse, context?: us_socket_context_t) => void;

export class Guard {
  constructor(private readonly policy: HttpPolicy, private readonly log: LogFn) {}

  /** An HTTP (or upgrade) handler: the Reply exists before the handler runs, so a throw can always be answered. */
  http(where: string, handler: HttpHandler): (res: HttpResponse, req: HttpRequest, context?: us_socket_context_t) => void {
    return (res, req, context) => {
      let reply: Reply | undefined;
      try {
        reply = new Reply(res, nextRequestId(), this.policy, req.getHeader('origin'), req.getMethod() === 'head');
        handler(reply, req, res, context);
      } catch (e) {
        if (reply) this.internal(where, reply, e, true);
        else this.lastResort(where, res, e);
      }
    };
  }

  /** A callback uWS makes later for a request (onData, onWritable): a throw answers that request. */
  callback<A extends unknown[]>(where: string, reply: Reply, fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args);
      } catch (e) {
        this.internal(where, reply, e, true);
      }
    };
  }

  /** Logs an unexpected failure with its stack and answers 500 INTERNAL if nothing was answered yet. */
  internal(where: string, reply: Reply, e: unknown, closeConnection = false): void {
    this.log('error', 'handler threw', { where, requestId: reply.requestId, error: stackOf(e) });
    try {
      reply.send(fail(500, errors.internal(`internal error (request ${reply.requestId})`)), closeConnection);
    } catch (e2) {
      this.log('error', 'could not answer after a handler threw', { where, requestId: reply.requestId, error: stackOf(e2) });
    }
  }

  /** A websocket handler: a throw is logged and the connection gets an `error INTERNAL` frame with the id. */
  ws<A extends unknown[]>(where: string, fn: (ws: WebSocket<UserData>, ...rest: A) => void): (ws: WebSocket<UserData>, ...rest: A) => void {
    return (ws, ...rest) => {
      try {
        fn(ws, ...rest);
      } catch (e) {
        const requestId = nextRequestId();
        this.log('error', 'websocket handler threw', { where, requestId, error: stackOf(e) });
        try {
          ws.getUserData().session.sendReliable({ type: 'error', code: 'INTERNAL', message: `internal error (request ${requestId})` });
        } catch {
          // the socket is gone (close handler): the log line is all there is
        }
      }
    };
  }

  /** A timer's callback: a throw is logged, never rethrown into the event loop. */
  timer<A extends unknown[]>(where: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args);
      } catch (e) {
        this.log('error', 'timer threw', { where, requestId: nextRequestId(), error: stackOf(e) });
      }
    };
  }

  /** The Reply itself could not be made (uWS refused the response): a bare 500, if it can still be sent. */
  private lastResort(where: string, res: HttpResponse, e: unknown): void {
    const requestId = nextRequestId();
    this.log('error', 'handler threw before it could answer', { where, requestId, error: stackOf(e) });
    try {
      res.cork(() => {
        res.writeStatus('500 Internal Server Error').writeHeader('x-request-id', requestId);
        for (const [k, v] of this.policy.headers) res.writeHeader(k, v);
        res.end('', true);
      });
    } catch {
      // the response was already ended or aborted
    }
  }
}

export function stackOf(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
