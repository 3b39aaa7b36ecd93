/**
 * What the gateway tells a caller when the database refuses or fails. Two kinds of failure, two policies:
 * - the tenant's own statement failed (SQLite about the tenant's SQL: "no such table: x"): the message is useful
 *   and passes through, with anything that looks like a file path replaced and nothing naming a namespace;
 * - anything at the server or protocol level (auth, namespace missing, proxying, internals, HTTP errors, the
 *   network): a fixed message with a stable code. The raw text goes to the Worker's log (`wrangler tail`) only.
 */
import type { Access } from "./claims";
import { BatchFailure, UpstreamRefusal } from "./hrana";
import { HttpError } from "./http";
import { MODE_SWITCH_BLOCK_REASON, SUSPENSION_REASON_PREFIX } from "./suspension";

/** The parts of a database target the mapping needs. */
export interface FailureContext {
  namespace?: string;
  access: Access;
}

/**
 * The one answer for a tenant the caller may not reach, whether it is outside the gateway's TENANTS or its
 * namespace does not exist in sqld: same status, same body, no database message (which would tell them apart).
 */
export function tenantNotFound(tenant: string): HttpError {
  return new HttpError(404, `tenant ${JSON.stringify(tenant)} not found`, {}, "TENANT_NOT_FOUND");
}

/** A write attempted with a read-only token: refused by a primary (HTTP 403) or by a replica (HTTP 400). */
function readOnlyViolation(): HttpError {
  return new HttpError(403, 'mode "read" is read-only: a statement tried to write; send mode "write" or "deferred"', {}, "READ_ONLY");
}

/**
 * sqld 0.24.32's refusal of a write under an `ro` token: `Authorization forbidden: Current session doesn't not
 * have Write permission to namespace <ns>` (libsql-server/src/error.rs `Error::Forbidden`, raised by
 * auth/authenticated.rs `Authenticated::has_right`). A replica wraps it: HTTP 400 for a batch (what the gateway
 * sends), a PROXY_ERROR statement error for a lone statement (which the gateway never sends). Observed on the binary.
 */
const WRITE_FORBIDDEN = /Authorization forbidden/;

/**
 * Statement error codes about the tenant's own SQL (libsql-server/src/hrana/stmt.rs `StmtError::code`,
 * `sqlite_error_code`). sqld 0.24.32 reports most prepare errors, "no such table" included, as SQLITE_UNKNOWN.
 * PROXY_ERROR is a replica relaying the primary's statement error (`StmtError::Proxy`, "error executing a request
 * on the primary: UNIQUE constraint failed: t.x", observed). Every other code (SQLITE_IOERR, SQLITE_CANTOPEN,
 * SQLITE_CORRUPT, SQLITE_INTERNAL, BLOCKED, ...) is the server's business and gets a fixed message.
 */
const TENANT_STATEMENT_CODES = new Set([
  "SQL_PARSE_ERROR", "SQL_NO_STATEMENT", "SQL_MANY_STATEMENTS", "SQL_INPUT_ERROR", "ARGS_INVALID",
  "ARGS_BOTH_POSITIONAL_AND_NAMED", "SQLITE_UNKNOWN", "SQLITE_CONSTRAINT", "SQLITE_MISMATCH", "SQLITE_RANGE",
  "SQLITE_TOOBIG", "SQLITE_ABORT", "SQLITE_AUTH", "SQLITE_SCHEMA", "SQLITE_READONLY", "PROXY_ERROR",
]);

/** Codes meaning "try again later" rather than "your SQL is wrong". */
const TRANSIENT_CODES = new Set(["SQLITE_BUSY", "SQLITE_LOCKED", "TRANSACTION_BUSY", "TRANSACTION_TIMEOUT"]);

/** Fixed answers for server/protocol-level failures: [status, message, code]. Never carry database text. */
const FIXED = {
  credentials: [502, "database rejected the gateway's credentials", "DB_AUTH_REJECTED"],
  request: [502, "database rejected the gateway's request", "DB_REQUEST_REJECTED"],
  busy: [503, "database busy; retry shortly", "DB_BUSY"],
  http: [502, "database error", "DB_HTTP_ERROR"],
  protocol: [502, "database error", "DB_PROTOCOL_ERROR"],
  unreachable: [502, "database unreachable", "DB_UNREACHABLE"],
  notFound: [502, "database not found", "DB_NOT_FOUND"],
  statement: [502, "database failed to run the statement", "DB_INTERNAL_ERROR"],
  tooLarge: [400, "result too large: select fewer rows or smaller values", "RESPONSE_TOO_LARGE"],
  misconfigured: [500, "gateway misconfigured: DB_URL rejected by the database client", "GATEWAY_MISCONFIGURED"],
} as const satisfies Record<string, readonly [number, string, string]>;

function fixed(kind: keyof typeof FIXED, raw: string, headers: Record<string, string> = {}): HttpError {
  const [status, message, code] = FIXED[kind];
  console.error(`gateway: database failure ${code}: ${raw}`);
  return new HttpError(status, message, headers, code);
}

/** An absolute file path (a word char after the slash), not a division inside an expression ("a/b", "x / y"). */
const FILE_PATH = /(^|[^\w/.])\/[\w.@-]+(?:\/[\w.@-]*)*/g;
const PROXY_PREFIX = /^error executing a request on the primary: /;

/** The tenant-safe text of a statement error, or undefined when nothing of it can be shown. */
function tenantMessage(code: string, raw: string): string | undefined {
  // sqld may prefix its message with the code already; the code is reported on its own.
  let message = raw.replace(new RegExp(`^(${code}: )+`), "");
  if (code === "PROXY_ERROR") {
    if (!PROXY_PREFIX.test(message)) return undefined;
    message = message.replace(PROXY_PREFIX, "");
  }
  if (/namespace/i.test(message)) return undefined;
  return message.replace(FILE_PATH, "$1[path]");
}

/** Codes of a DB_URL the gateway cannot use (worker/hrana.ts `pipelineUrl`). */
const URL_CODES = new Set(["URL_INVALID", "URL_SCHEME_NOT_SUPPORTED"]);

export function toHttpError(error: unknown, target: FailureContext): HttpError {
  if (error instanceof UpstreamRefusal) return fromUpstreamStatus(error.status, error.message, target);
  if (!(error instanceof BatchFailure)) {
    // fetch() itself failed (DNS, connection refused, TLS): its text names hosts and addresses.
    return fixed("unreachable", error instanceof Error ? error.message : String(error));
  }
  if (URL_CODES.has(error.code)) return fixed("misconfigured", error.message);
  if (error.code.startsWith("HRANA_") || error.code === "UNKNOWN") return fixed("protocol", `${error.code}: ${error.message}`);
  const index = error.statementIndex;
  const where = index === undefined ? "" : `statement ${index}: `;
  if (target.access === "ro" && WRITE_FORBIDDEN.test(error.message)) return readOnlyViolation();
  if (TRANSIENT_CODES.has(error.code)) {
    console.error(`gateway: database busy ${error.code}: ${error.message}`);
    return new HttpError(503, `${where}database busy (${error.code}); retry shortly`, { "retry-after": "1" }, error.code);
  }
  if (error.code === "RESPONSE_TOO_LARGE") return fixed("tooLarge", error.message);
  // The stack suspended the tenant (tenantSettings → namespace config block_reads/block_writes): sqld says
  // "Operation was blocked: <block_reason>"; the reason after the stack's marker was written for the tenant.
  const suspension = error.code === "BLOCKED" ? error.message.split(SUSPENSION_REASON_PREFIX)[1] : undefined;
  // A mode switch pauses writes on the side the gateway still serves (README "Mode switch"); managed: any block.
  if (error.code === "BLOCKED" && (error.message.includes(MODE_SWITCH_BLOCK_REASON) || target.namespace === undefined)) {
    return new HttpError(503, "writes to this tenant are paused while the stack moves its data to its other mode; reads go on; retry shortly", { "retry-after": "30" }, "WRITES_PAUSED");
  }
  if (suspension !== undefined) return new HttpError(403, `tenant suspended: ${suspension}`, {}, "TENANT_SUSPENDED");
  // Past the tenant's size cap (max_db_size) — or, on a broken server, a full volume: the log tells them apart.
  if (error.code === "SQLITE_FULL") {
    console.error(`gateway: database full: ${error.message}`);
    return new HttpError(507, `${where}the tenant's storage limit is reached; delete data or ask the operator to raise it`, {}, "STORAGE_LIMIT");
  }
  const message = TENANT_STATEMENT_CODES.has(error.code) ? tenantMessage(error.code, error.message) : undefined;
  if (message === undefined) {
    const [status, text] = FIXED.statement;
    console.error(`gateway: database failure ${error.code}: ${error.message}`);
    return new HttpError(status, `${where}${text} (${error.code})`, {}, error.code);
  }
  return new HttpError(400, `${where}${error.code}: ${message}`, {}, error.code);
}

function fromUpstreamStatus(status: number, message: string | undefined, target: FailureContext): HttpError {
  const raw = `HTTP ${status}: ${message ?? "(no body)"}`;
  if (status === 404) {
    // sqld answers 404 both for a missing namespace and for one the token may not use.
    if (!target.namespace) return fixed("notFound", raw);
    console.error(`gateway: database failure TENANT_NOT_FOUND: ${raw}`);
    return tenantNotFound(target.namespace);
  }
  // An ro write: 403 from a primary; a replica that forwards a batch answers 400 "Failed to execute query via
  // RPC. Error code: 3, message: Authorization forbidden: …" (the primary's gRPC PermissionDenied, wrapped).
  if ((status === 403 || status === 400) && target.access === "ro" && WRITE_FORBIDDEN.test(message ?? "")) return readOnlyViolation();
  // The gateway builds every request and signs its own tokens: a refusal is the deploy's problem, not the caller's.
  if (status === 401 || status === 403) return fixed("credentials", raw);
  if (status === 400) return fixed("request", raw);
  if (status === 429 || status === 503) return fixed("busy", raw, { "retry-after": "1" });
  return fixed("http", raw);
}
