/**
 * The gateway's server spans (RestTracer, src/gateway/rest-tracing.ts) on the OpenTelemetry API:
 * uWebSockets.js is not node:http, so no HTTP instrumentation sees its requests. Loaded only with
 * tracing on; the spans go to the provider the SDK registered (start-tracing.ts).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { RestSpan, RestTracer } from '../gateway/rest-tracing.js';

export function restTracer(name = 'risk-engine-gateway'): RestTracer {
  const tracer = trace.getTracer(name);
  return {
    start(request) {
      // The caller's W3C traceparent/tracestate (the propagator the SDK registered reads them).
      const carrier: Record<string, string> = {};
      if (request.traceparent !== '') carrier['traceparent'] = request.traceparent;
      if (request.tracestate !== '') carrier['tracestate'] = request.tracestate;
      const parent = propagation.extract(ROOT_CONTEXT, carrier);
      const span = tracer.startSpan(`${request.method} ${request.route}`, {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': request.route, 'url.path': request.path, 'risk_engine.request_id': request.requestId },
      }, parent);
      const active = trace.setSpan(parent, span);
      let ended = false;
      const handle: RestSpan = {
        run: (fn) => context.with(active, fn),
        end(status) {
          if (ended) return;
          ended = true;
          if (status === undefined) {
            span.setAttribute('risk_engine.aborted', true);
          } else {
            span.setAttribute('http.response.status_code', status);
            // Server spans: only a 5xx is the server's error (OTel HTTP semantic conventions).
            if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
      return handle;
    },
  };
}
