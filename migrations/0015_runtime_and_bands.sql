-- Issue 18, rule 3: how long a run (a start and its end) may take, in seconds; NULL for no
-- bound. A run out of its bounds is a failure; with max_runtime, an open run fails at it.
ALTER TABLE monitors ADD COLUMN min_runtime INTEGER;
ALTER TABLE monitors ADD COLUMN max_runtime INTEGER;
-- The start of a run the sweep already failed (still open at its deadline), so its end is
-- not counted again (core::heartbeat::status::State::judged_run).
ALTER TABLE monitors ADD COLUMN judged_run INTEGER;

-- Issue 18, rule 7: pings expected per UTC-aligned window of expect_window seconds (whole
-- hours dividing a day); either bound may be NULL, both NULL is no band.
ALTER TABLE monitors ADD COLUMN expect_min INTEGER;
ALTER TABLE monitors ADD COLUMN expect_max INTEGER;
ALTER TABLE monitors ADD COLUMN expect_window INTEGER NOT NULL DEFAULT 3600;
-- The end of the newest window judged (the next one is judged a minute after it closes: a
-- term of check_at), and whether that window was out of the band.
ALTER TABLE monitors ADD COLUMN band_judged_until INTEGER;
ALTER TABLE monitors ADD COLUMN band_out INTEGER NOT NULL DEFAULT 0;
