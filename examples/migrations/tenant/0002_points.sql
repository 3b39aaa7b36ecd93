-- Time series of measurements per node; one row per (node, time, metric).
CREATE TABLE points (
  node_id TEXT NOT NULL REFERENCES nodes (id),
  at INTEGER NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (node_id, at, metric)
) WITHOUT ROWID;
CREATE INDEX points_by_metric ON points (metric, at);
