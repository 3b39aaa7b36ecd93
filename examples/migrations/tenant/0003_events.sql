-- Events of a node (state changes, alarms); nodes.last_event_at follows the newest one.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL REFERENCES nodes (id),
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  body TEXT
);
ALTER TABLE nodes ADD COLUMN last_event_at INTEGER;
CREATE TRIGGER events_touch_node AFTER INSERT ON events BEGIN
  UPDATE nodes SET last_event_at = NEW.at WHERE id = NEW.node_id;
END;
