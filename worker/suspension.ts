/**
 * How the stack marks a suspension it set (tenantSettings → sqld's namespace `block_reason`), so the gateway shows
 * that reason to the tenant's callers while any other block (set by hand, e.g. "restore in progress from
 * /var/lib/…") stays a fixed server-side message: only text that went through the config's validation is shown.
 */
export const SUSPENSION_REASON_PREFIX = "libsql-stack suspension: ";

/**
 * The write block a mode switch sets on a tenant's old side (scripts/lib/mode-switch/write-block.ts, README "Mode
 * switch"). The gateway answers a write refused with it (or, in managed mode, any write block: Turso's has no reason
 * and the stack sets no other one there) with 503 WRITES_PAUSED: the Worker moves to the new side once the copy
 * is verified.
 */
export const MODE_SWITCH_BLOCK_REASON = "mode switch in progress: this tenant is being copied to, or is served from, the stack's other mode; writes here are refused so none is lost";
