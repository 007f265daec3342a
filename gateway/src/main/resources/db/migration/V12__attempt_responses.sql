-- The first 1 KiB of what a receiver answered, for the attempts view: on the attempt row for a failure, on the
-- delivery row for the latest success (successes are recorded there, V10). Capped by the gateway before it is
-- written, so it never grows without bound.
ALTER TABLE delivery_attempts ADD COLUMN response_body text;
ALTER TABLE deliveries ADD COLUMN last_response_body text;
