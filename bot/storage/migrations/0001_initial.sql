-- 0001: gap log with groups, feedback, question counts, curator aliases, guild config,
-- heartbeat. Times are UTC ISO-8601 text with microseconds ("2026-01-02T03:04:05.000006+00:00"),
-- which sorts the same as time. No raw user ids anywhere: only keyed hashes (user_hash).

CREATE TABLE gap_groups (
    id                INTEGER PRIMARY KEY,
    question          TEXT    NOT NULL,   -- earliest remaining event's question
    normalised        TEXT    NOT NULL,
    group_key         TEXT    NOT NULL,   -- what grouping compares
    surface           TEXT,
    count             INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    first_seen        TEXT    NOT NULL,
    last_seen         TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'open'
                              CHECK (status IN ('open', 'resolved', 'dismissed')),
    best_entry_id     TEXT,
    best_score        REAL,
    resolved_entry_id TEXT,
    dismiss_reason    TEXT,
    curator_hash      TEXT,
    closed_at         TEXT
);
CREATE INDEX gap_groups_open_recent ON gap_groups (status, surface, last_seen);
CREATE INDEX gap_groups_key ON gap_groups (status, group_key);
CREATE INDEX gap_groups_rank ON gap_groups (status, count DESC, last_seen DESC);

CREATE TABLE gap_events (
    id               INTEGER PRIMARY KEY,
    group_id         INTEGER NOT NULL REFERENCES gap_groups (id) ON DELETE CASCADE,
    question         TEXT    NOT NULL CHECK (length(question) BETWEEN 1 AND 500),
    normalised       TEXT    NOT NULL,
    group_key        TEXT    NOT NULL,
    surface          TEXT,
    guild_id         INTEGER,
    channel_id       INTEGER,
    user_hash        TEXT    NOT NULL,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('none', 'suggest', 'feedback')),
    candidates       TEXT    NOT NULL DEFAULT '[]',   -- JSON [{"entry_id", "score"}]
    reason           TEXT,
    clicked_entry_id TEXT,
    created_at       TEXT    NOT NULL
);
CREATE INDEX gap_events_group ON gap_events (group_id, created_at);
CREATE INDEX gap_events_user ON gap_events (user_hash, created_at);
CREATE INDEX gap_events_created ON gap_events (created_at);

CREATE TABLE feedback (
    id         INTEGER PRIMARY KEY,
    answer_key TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    user_hash  TEXT NOT NULL,
    vote       TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    reason     TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (answer_key, user_hash)          -- one vote per user per answer
);
CREATE INDEX feedback_user ON feedback (user_hash);
CREATE INDEX feedback_created ON feedback (created_at);

CREATE TABLE question_log (
    id         INTEGER PRIMARY KEY,
    outcome    TEXT NOT NULL CHECK (outcome IN ('answer', 'suggest', 'none')),
    entry_id   TEXT,
    surface    TEXT,
    guild_id   INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX question_log_created ON question_log (created_at);

CREATE TABLE aliases (
    id           INTEGER PRIMARY KEY,
    entry_id     TEXT NOT NULL,
    question     TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 500),
    curator_hash TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (entry_id, question)
);

CREATE TABLE guild_config (
    guild_id        INTEGER PRIMARY KEY,
    curator_role_id INTEGER
);

CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);
