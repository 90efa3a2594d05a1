-- A database as the first daemon release (schema version 2, commit c016335) left it: the DDL of
-- its migrations 1 and 2 verbatim, and a few rows of each table. Frozen on purpose: the migration
-- test opens it with today's SqliteStore, so a released migration that is edited later (instead
-- of a new one appended) or a new one that cannot upgrade old rows fails that test.
CREATE TABLE results ( id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, provider TEXT NOT NULL, check_name TEXT NOT NULL, outcome TEXT NOT NULL CHECK (outcome IN ('pass','warn','fail')), status_code INTEGER NOT NULL, dns_ms REAL NOT NULL, connect_ms REAL NOT NULL, tls_ms REAL NOT NULL, ttfb_ms REAL NOT NULL, transfer_ms REAL NOT NULL, total_ms REAL NOT NULL, findings TEXT NOT NULL, body_excerpt TEXT NOT NULL, body_truncated INTEGER NOT NULL, cert_not_after_ms INTEGER);
CREATE INDEX results_by_check ON results(provider, check_name, ts_ms);
CREATE INDEX results_by_time ON results(ts_ms);
CREATE TABLE check_states ( provider TEXT NOT NULL, check_name TEXT NOT NULL, state TEXT NOT NULL, since_ms INTEGER NOT NULL, PRIMARY KEY (provider, check_name));
CREATE TABLE incidents ( id INTEGER PRIMARY KEY, provider TEXT NOT NULL, state TEXT NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, reasons TEXT NOT NULL);
CREATE INDEX incidents_by_start ON incidents(started_ms);
CREATE UNIQUE INDEX incidents_one_open ON incidents(provider) WHERE ended_ms IS NULL;
CREATE TABLE transitions ( id INTEGER PRIMARY KEY, provider TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, ts_ms INTEGER NOT NULL, reasons TEXT NOT NULL, incident_id INTEGER REFERENCES incidents(id));
CREATE INDEX transitions_by_provider ON transitions(provider, ts_ms);

INSERT INTO results VALUES (1, 1764000000000, 'stripe', 'balance', 'pass', 200, 1.5, 2.5, 3.5, 40.25, 0.5, 48.25, '[]', '', 0, 1900000000000);
INSERT INTO results VALUES (2, 1764000060000, 'stripe', 'balance', 'fail', 503, 1.5, 2.5, 3.5, 12.0, 0.5, 20.0, '[{"kind":"status","severity":"critical","message":"expected 2xx, got 503"}]', '{"error":"down"}', 0, 1900000000000);
INSERT INTO results VALUES (3, 1764000120000, 'stripe', 'balance', 'fail', 503, 1.0, 2.0, 3.0, 11.0, 0.5, 17.5, '[{"kind":"status","severity":"critical","message":"expected 2xx, got 503"}]', '{"error":"down"}', 0, NULL);
INSERT INTO results VALUES (4, 1764000125000, 'okta', 'userinfo', 'fail', 401, 0.5, 1.0, 0.0, 5.0, 0.1, 6.6, '[{"kind":"auth","severity":"critical","message":"401 Unauthorized: invalid_token"}]', '{"error":"invalid"}', 0, NULL);
INSERT INTO results VALUES (5, 1764000130000, 'maps', 'geocode', 'warn', 200, 0.5, 1.0, 0.0, 905.0, 0.4, 906.9, '[{"kind":"latency","severity":"warn","message":"took 907ms, above 500ms"}]', '', 0, NULL);

INSERT INTO check_states VALUES ('stripe', 'balance', 'down', 1764000120000);
INSERT INTO check_states VALUES ('okta', 'userinfo', 'up', 1764000000000);
INSERT INTO check_states VALUES ('maps', 'geocode', 'up', 1763990600000);

INSERT INTO incidents VALUES (1, 'stripe', 'down', 1764000120000, NULL, '[{"check":"balance","kind":"status","message":"expected 2xx, got 503"}]');
INSERT INTO incidents VALUES (2, 'maps', 'degraded', 1763990000000, 1763990600000, '[{"check":"geocode","kind":"latency","message":"took 907ms, above 500ms"}]');

INSERT INTO transitions VALUES (1, 'maps', 'up', 'degraded', 1763990000000, '[{"check":"geocode","kind":"latency","message":"took 907ms, above 500ms"}]', 2);
INSERT INTO transitions VALUES (2, 'maps', 'degraded', 'up', 1763990600000, '[]', 2);
INSERT INTO transitions VALUES (3, 'stripe', 'up', 'down', 1764000120000, '[{"check":"balance","kind":"status","message":"expected 2xx, got 503"}]', 1);

PRAGMA user_version = 2;
