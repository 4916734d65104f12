// Imported first by every main file, before anything it instruments loads: with
// OTEL_EXPORTER_OTLP_ENDPOINT set, http, express, grpc-js and pino are patched for tracing (the main
// file then starts exporting, see startTracingFrom); without it, nothing of OpenTelemetry loads. Like a
// main file, it reads the environment: the endpoint must be set there (not only in Consul KV), because
// this runs before any setting is loaded.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  (require('../global/tracing') as typeof import('../global/tracing')).instrument();
}
