-- Optional per-endpoint rate limit, counted in one-second windows on the endpoint row so every gateway process
-- shares the same budget.
ALTER TABLE endpoints ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second > 0);
ALTER TABLE endpoints ADD COLUMN rate_window_start timestamptz;
ALTER TABLE endpoints ADD COLUMN rate_window_count integer NOT NULL DEFAULT 0;
