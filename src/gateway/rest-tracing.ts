/**
 * The port through which the gateway traces REST requests: one server span per request, started
 * where a route is dispatched, ended with the status it answered. Absent (tracing off), the gateway
 * does no tracing work at all; websocket frames (ticks, orders) are never traced.
 */
export interface RestRequestHead {
  /** GET, POST, ... as the client sent it. */
  readonly method: string;
  /** The route's pattern (`/portfolios/:id`), not the path: a span name of bounded cardinality. */
  readonly route: string;
  readonly path: string;
  readonly requestId: string;
  /** The W3C trace-context headers ('' when absent). */
  readonly traceparent: string;
  readonly tracestate: string;
}

export interface RestSpan {
  /** Runs the handler with this span active, so the database and Redis spans it causes are its children. */
  run<T>(fn: () => T): T;
  /** Ends the span with the status answered (undefined: the client went away first); later calls do nothing. */
  end(status: number | undefined): void;
}

export interface RestTracer {
  start(request: RestRequestHead): RestSpan;
}
