-- Tracing (OpenTelemetry). An event keeps the W3C traceparent of its ingest span (or of the sender's, when tracing
-- is off here), so every attempt, made by any process however much later, joins the event's trace. Null when the
-- event came without one and tracing was off.
ALTER TABLE events ADD COLUMN trace_context text;

-- Whether attempts carry a traceparent header to the receiver: opt-in per endpoint, since it tells the receiver
-- about the sender's and Countersign's tracing.
ALTER TABLE endpoints ADD COLUMN forward_traceparent boolean NOT NULL DEFAULT false;
