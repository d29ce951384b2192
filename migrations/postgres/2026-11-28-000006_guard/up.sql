-- Rate-limit counters for public endpoints, shared by every app instance: one row
-- per key and fixed window. The window length is part of the key, so one caller
-- key may be limited per hour and per day without the two counts mixing.
CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_secs INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    count INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (key, window_secs, window_start)
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);
