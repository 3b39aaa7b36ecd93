-- Shared namespace `streams`: which tenant publishes which stream (one row per stream, across tenants).
CREATE TABLE streams (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  topic TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX streams_by_tenant ON streams (tenant);
