// OpenTelemetry traces: spans for HTTP (in and out), Express routing and gRPC (client and server, with
// the context carried in the call's metadata), exported over OTLP. Nothing here loads unless tracing is
// on: the packages are required inside the functions, which src/preload.ts and the main files call
// only when OTEL_EXPORTER_OTLP_ENDPOINT is set. Log lines written inside a span carry its trace_id and
// span_id (the pino instrumentation), beside the request id the line already has.
import type { Instrumentation } from '@opentelemetry/instrumentation';

/** Gateway routes not worth a trace: probes and scrapes. */
const UNTRACED_PATHS = new Set(['/health', '/health/ready', '/metrics']);

let instrumented = false;

/**
 * Patches http, express, grpc-js and pino as they load: call before any of them is imported (see
 * src/preload.ts). Spans go to whichever tracer provider startTracing registers later.
 */
export function instrument(): void {
  if (instrumented) return;
  instrumented = true;
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { GrpcInstrumentation } = require('@opentelemetry/instrumentation-grpc') as typeof import('@opentelemetry/instrumentation-grpc');
  const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
  const instrumentations: Instrumentation[] = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
    }),
    // The route handler's span, named by its template; one per middleware or router would outnumber the work.
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
    new GrpcInstrumentation(),
    new PinoInstrumentation({ disableLogSending: true }),
  ];
  registerInstrumentations({ instrumentations });
}

export interface TracingSettings {
  /** OTLP's base URL; spans go to <endpoint>/v1/traces. */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
}

export interface Tracing {
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers, globally, the tracer provider that exports every span over OTLP, batched, with what the
 * SDK 3 leaves to its user: the async-local-storage context manager (spans nest across awaits) and the
 * W3C traceparent/tracestate and baggage propagators (the trace goes on into the next process).
 */
export function startTracing(settings: TracingSettings): Tracing {
  const { context, propagation, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } =
    require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } =
    require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { TracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const url = `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const { OTLPTraceExporter } =
    settings.protocol === 'http/json'
      ? (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http'))
      : (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto'));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);
  return { shutdown: () => provider.shutdown() };
}
