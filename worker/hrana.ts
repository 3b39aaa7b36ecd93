/**
 * The one Hrana request the gateway makes per query: a pipeline of `batch` + `close` over HTTP
 * (`POST <url>/v2/pipeline`, JSON; libsql-server `hrana/http/mod.rs` and docs/HRANA_3_SPEC.md "Batches"). It is
 * what `@libsql/client`'s `batch(statements, mode)` sends on a fresh stream (with protocol version 2, its default:
 * the same steps — BEGIN, each statement conditioned on the previous one, COMMIT, ROLLBACK unless COMMIT ran — in
 * one HTTP request), without the per-request client, stream, SQL cache and error objects: the gateway's CPU is
 * billed per request. Errors carry the codes @libsql/client would report (see `BatchFailure`).
 *
 * One statement is sent as a bare `execute` instead (what `@libsql/client`'s `execute` sends): a single statement is
 * its own transaction in SQLite, so BEGIN/COMMIT/ROLLBACK would only add three statements for sqld to run and twice
 * the bytes each way (issue 19: sqld must not work harder than a direct client). Read mode needs no READONLY
 * transaction for it either: the gateway queries in read mode with an `ro` token, and that, not the transaction,
 * is what stops a write on sqld (worker/routes.ts).
 */
import type { Access } from "./claims";

export type HranaValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

export interface HranaStatement {
  sql: string;
  args: HranaValue[];
  named_args: { name: string; value: HranaValue }[];
}

/** One statement's rows as sqld sends them (`StmtResult`). */
export interface HranaResult {
  cols: { name: string | null }[];
  rows: HranaValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

/**
 * A failure with the code @libsql/client would give it: sqld's statement error code (`SQLITE_*`, `SQL_*`,
 * `RESPONSE_TOO_LARGE`…, or `UNKNOWN` when sqld sends none), `HRANA_PROTO_ERROR` for a reply that is not a
 * pipeline response, `TRANSACTION_CLOSED` for a statement that did not run. `statementIndex` is set when a
 * statement of the caller's failed (not BEGIN or COMMIT).
 */
export class BatchFailure {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly statementIndex?: number,
  ) {}
}

/** The database refused the HTTP request itself (non-2xx): its status and the text of its body. */
export class UpstreamRefusal {
  constructor(
    readonly status: number,
    readonly message: string | undefined,
  ) {}
}

const BEGIN: Record<string, string> = { write: "BEGIN IMMEDIATE", read: "BEGIN TRANSACTION READONLY", deferred: "BEGIN DEFERRED" };

const plain = (sql: string, wantRows = false) => ({ sql, args: [], named_args: [], want_rows: wantRows });

/** Steps of @libsql/client's `executeHranaBatch` (lib-esm/hrana.js) for protocol version 2. */
function batchSteps(statements: readonly HranaStatement[], begin: string): unknown[] {
  const steps: unknown[] = [{ stmt: plain(begin) }];
  statements.forEach((stmt, i) => steps.push({ condition: { type: "ok", step: i }, stmt: { ...stmt, want_rows: true } }));
  const commit = statements.length + 1;
  steps.push({ condition: { type: "ok", step: commit - 1 }, stmt: plain("COMMIT") });
  steps.push({ condition: { type: "not", cond: { type: "ok", step: commit } }, stmt: plain("ROLLBACK") });
  return steps;
}

/** sqld answers request-level errors as `{"error": "..."}` (JSON) or plain text. */
async function describeRefusal(response: Response): Promise<string | undefined> {
  const text = (await response.text().catch(() => "")).trim();
  if (text === "") return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = parsed.error ?? parsed.message;
    if (typeof message === "string") return message;
  } catch {
    // not JSON: use the text as it is
  }
  return text.slice(0, 500);
}

type StepError = { message?: unknown; code?: unknown } | null | undefined;
const failureOf = (error: StepError, index?: number) =>
  new BatchFailure(typeof error?.code === "string" ? error.code : "UNKNOWN", typeof error?.message === "string" ? error.message : "", index);
const protoError = (what: string) => new BatchFailure("HRANA_PROTO_ERROR", what);

/**
 * Which of a bare `execute`'s errors the same statement in a batch would have reported as its own step's error
 * (with its index), so both paths answer alike: errors raised while the statement runs — SQLite's, bad arguments
 * found on binding, and a replica's relay of the primary's error for it (libsql-server `hrana/stmt.rs`
 * `stmt_error_from_sqld_error`: SqliteError, SqlInputError, LibSqlInvalidQueryParams, RpcQueryError). A batch
 * reports the rest for the whole request: parse errors while it builds the program (`hrana/batch.rs`
 * `proto_batch_to_program`), and a program refused as a whole (BLOCKED, TRANSACTION_*, RESPONSE_TOO_LARGE:
 * `catch_batch_error`).
 */
const isStepError = (code: unknown) => typeof code === "string" && (code.startsWith("SQLITE_") || ["SQL_INPUT_ERROR", "ARGS_INVALID", "PROXY_ERROR"].includes(code));

/** The reply to the first of the pipeline's two requests (`execute` or `batch`, then `close`). */
function firstReply<T>(reply: unknown): { type?: string; error?: StepError; response?: { result?: T } } {
  const results = (reply as { results?: unknown })?.results;
  if (!Array.isArray(results) || results.length !== 2) throw protoError("Server returned unexpected number of pipeline results");
  return results[0] as { type?: string; error?: StepError; response?: { result?: T } };
}

/** Reads a bare `execute`'s result; an error carries statement index 0 where a batch would have given it one. */
function executeResultOf(reply: unknown): HranaResult[] {
  const first = firstReply<HranaResult>(reply);
  if (first.type === "error") throw failureOf(first.error, isStepError(first.error?.code) ? 0 : undefined);
  const result = first.response?.result;
  if (first.type !== "ok" || !result || !Array.isArray(result.cols) || !Array.isArray(result.rows)) throw protoError("malformed statement result");
  return [result];
}

/** Reads the batch's step results the way @libsql/client does: BEGIN, then each statement, then COMMIT. */
function resultsOf(reply: unknown, count: number): HranaResult[] {
  const first = firstReply<{ step_results?: unknown; step_errors?: unknown }>(reply);
  if (first.type === "error") throw failureOf(first.error);
  const stepResults = first.response?.result?.step_results;
  const stepErrors = first.response?.result?.step_errors;
  if (first.type !== "ok" || !Array.isArray(stepResults) || !Array.isArray(stepErrors)) throw protoError("malformed batch response");
  if (stepErrors[0]) throw failureOf(stepErrors[0] as StepError);
  const out: HranaResult[] = [];
  for (let i = 0; i < count; i++) {
    const error = stepErrors[i + 1] as StepError;
    if (error) throw failureOf(error, i);
    const result = stepResults[i + 1] as HranaResult | null | undefined;
    if (!result) throw new BatchFailure("TRANSACTION_CLOSED", "Statement in a batch was not executed, probably because the transaction has been rolled back", i);
    if (!Array.isArray(result.cols) || !Array.isArray(result.rows)) throw protoError("malformed statement result");
    out.push(result);
  }
  if (stepErrors[count + 1]) throw failureOf(stepErrors[count + 1] as StepError);
  return out;
}

const pipelineUrls = new Map<string, string>();

/**
 * `<url>/v2/pipeline`, resolved as @libsql/client resolves it (`new URL("v2/pipeline", url)`): `libsql://` means
 * https, `libsql://…?tls=0` http (@libsql/core `expandConfig`). Any other query parameter, credentials in the URL
 * or another scheme are refused: the stack renders DB_URL, so such a URL is a deploy mistake.
 */
export function pipelineUrl(dbUrl: string): string {
  let resolved = pipelineUrls.get(dbUrl);
  if (resolved !== undefined) return resolved;
  let url: URL;
  try {
    url = new URL(dbUrl);
  } catch {
    throw new BatchFailure("URL_INVALID", "DB_URL is not a URL");
  }
  const tls = url.searchParams.get("tls");
  const extra = [...url.searchParams.keys()].filter((k) => !(k === "tls" && url.protocol === "libsql:"));
  if (extra.length > 0 || url.username !== "" || url.password !== "" || (tls !== null && tls !== "0" && tls !== "1")) {
    throw new BatchFailure("URL_INVALID", "DB_URL carries query parameters or credentials");
  }
  let base: string;
  if (url.protocol === "https:" || url.protocol === "http:") base = `${url.protocol}//${url.host}${url.pathname}`;
  else if (url.protocol === "libsql:") base = `${tls === "0" ? "http" : "https"}://${url.host}${url.pathname}`;
  else throw new BatchFailure("URL_SCHEME_NOT_SUPPORTED", `DB_URL scheme ${url.protocol} is not supported`);
  resolved = new URL("v2/pipeline", base).toString();
  if (pipelineUrls.size >= 16) pipelineUrls.clear(); // one DB_URL per deploy; bounded all the same
  pipelineUrls.set(dbUrl, resolved);
  return resolved;
}

export interface PipelineTarget {
  url: string;
  authToken: string;
  /** Extra request headers (sqld's namespace header). */
  headers: Record<string, string>;
  access: Access;
}

/**
 * Runs `statements` as one transaction. Throws `UpstreamRefusal` (non-2xx), `BatchFailure` (the database's or
 * the protocol's error), or what `fetch` threw (the network).
 */
export async function runBatch(target: PipelineTarget, statements: readonly HranaStatement[], mode: string): Promise<HranaResult[]> {
  const begin = BEGIN[mode];
  if (begin === undefined) throw new RangeError(`unknown transaction mode ${mode}`);
  const single = statements.length === 1;
  const first = single ? { type: "execute", stmt: { ...statements[0], want_rows: true } } : { type: "batch", batch: { steps: batchSteps(statements, begin) } };
  const body = JSON.stringify({ baton: null, requests: [first, { type: "close" }] });
  const url = pipelineUrl(target.url);
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${target.authToken}`, "content-type": "application/json", ...target.headers },
    body,
  });
  if (!response.ok) throw new UpstreamRefusal(response.status, await describeRefusal(response));
  let reply: unknown;
  try {
    reply = await response.json();
  } catch {
    throw protoError("the database's reply is not JSON");
  }
  return single ? executeResultOf(reply) : resultsOf(reply, statements.length);
}
