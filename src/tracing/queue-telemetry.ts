/**
 * BullMQ's OpenTelemetry telemetry (bullmq-otel) for the queues and workers when tracing is on:
 * BullMQ then makes a producer span per add and a consumer span per job processed, linked through
 * trace context it stores in the job's options. Imported on use, so tracing off loads none of it.
 */
import type { Telemetry } from 'bullmq';

export async function queueTelemetry(): Promise<Telemetry> {
  const { BullMQOtel } = await import('bullmq-otel');
  return new BullMQOtel({ tracerName: 'risk-engine-queues' });
}
