-- Half-open circuit: once an endpoint's circuit has been open for its period, one process at a time may send one
-- probe attempt (circuit_probe_until is its claim on that, as long as a lease); only a 2xx on it releases the
-- endpoint's parked backlog. Before this, the whole backlog became due when the period ended and was sent into
-- a receiver that was still down, one lane's worth of timeouts per cycle.
ALTER TABLE endpoints ADD COLUMN circuit_probe_until timestamptz;

-- The pollers look for half-open circuits twice a second; few endpoints are ever in one.
CREATE INDEX endpoints_circuit_idx ON endpoints (circuit_open_until) WHERE circuit_open_until IS NOT NULL;
