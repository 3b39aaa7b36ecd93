/**
 * How the stack marks a suspension it set (tenantSettings → sqld's namespace `block_reason`), so the gateway shows
 * that reason to the tenant's callers while any other block (set by hand, e.g. "restore in progress from
 * /var/lib/…") stays a fixed server-side message: only text that went through the config's validation is shown.
 */
export const SUSPENSION_REASON_PREFIX = "libsql-stack suspension: ";
