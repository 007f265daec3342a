-- What sending to an endpoint reads from its row (DeliveryTask.COLUMNS) changes rarely, while every claim read it
-- for every delivery: decoding those columns was about 5 us of the gateway's CPU per event fanned out to four
-- endpoints (docs/performance.md). The claim now answers with send_version alone, and each process keeps the columns
-- it last read per endpoint (EndpointSnapshots), reading them again only when the version differs.
--
-- The version is bumped by a trigger, not by the statements, so that no update of these columns can forget it:
-- operator edits, rotations, the overlap's expiry, master-key rotation (rekey) and resealed headers alike. Updates of
-- the endpoint's other columns (the circuit, failure counters, rate windows) leave it alone. It is not the
-- operator's If-Match version: a rekey must not make an operator's edit stale.
ALTER TABLE endpoints ADD COLUMN send_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION endpoints_bump_send_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.send_version := OLD.send_version + 1;
  RETURN NEW;
END
$$;

CREATE TRIGGER endpoints_send_version BEFORE UPDATE ON endpoints FOR EACH ROW
  WHEN ((OLD.url, OLD.current_secret_id, OLD.current_key_id, OLD.current_secret, OLD.current_scheme,
         OLD.previous_secret_id, OLD.previous_key_id, OLD.previous_secret, OLD.previous_scheme, OLD.previous_expires_at,
         OLD.rate_limit_per_second, OLD.forward_traceparent, OLD.custom_headers, OLD.custom_headers_key_id)
        IS DISTINCT FROM
        (NEW.url, NEW.current_secret_id, NEW.current_key_id, NEW.current_secret, NEW.current_scheme,
         NEW.previous_secret_id, NEW.previous_key_id, NEW.previous_secret, NEW.previous_scheme, NEW.previous_expires_at,
         NEW.rate_limit_per_second, NEW.forward_traceparent, NEW.custom_headers, NEW.custom_headers_key_id))
  EXECUTE FUNCTION endpoints_bump_send_version();
