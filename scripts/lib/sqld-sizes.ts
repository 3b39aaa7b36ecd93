/**
 * sqld's namespace size limit as its admin API shows it. sqld stores pages, not bytes (libsql-server/src/http/admin/
 * mod.rs: POST `max_db_pages = max_db_size / 4096`, GET `ByteSize::b(max_db_pages * 4096)`), and shows them as
 * bytesize 1.x text with one decimal of a 1000-based unit ("98.3 KB", "1000.0 PB"): the text cannot tell 1000 MB
 * from 1010 MB, and POSTing it back can shrink the limit ("98.3 KB" → 98300 bytes → 23 pages → "94.2 KB", observed).
 * So the stack never round-trips the text: it sends byte counts it owns, or leaves the field out (sqld then keeps
 * the value: `#[serde(default)] max_db_size: Option<ByteSize>`).
 */

/** sqld's default limit (connection/config.rs `default_max_size`: `ByteSize::pb(1000)` in pages), in bytes. */
export const UNLIMITED_DB_SIZE = 1e18;
/** What GET shows for the default limit (observed on sqld 0.24.32). */
export const UNLIMITED_DB_SIZE_TEXT = "1000.0 PB";

/** True when sqld's text shows its default limit, i.e. no cap is set. */
export const isUnlimited = (text: unknown) => text === UNLIMITED_DB_SIZE_TEXT;
