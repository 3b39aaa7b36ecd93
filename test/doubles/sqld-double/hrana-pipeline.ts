/**
 * TEST DOUBLE of sqld's Hrana-over-HTTP pipeline (hrana/http/mod.rs, request.rs): streams addressed by
 * batons (a fresh baton per response, stream closed after 10 s idle), and the stream requests that
 * @libsql/client 0.18 sends: execute, batch, sequence, describe, store_sql, close_sql, get_autocommit, close.
 */
import { randomBytes } from "node:crypto";
import {
  assertMayRun,
  describeStmt,
  evalCond,
  executeStmt,
  ProtocolError,
  resolveSql,
  StmtError,
  toStmtError,
  type BatchCond,
  type BatchResult,
  type HranaStmt,
} from "./hrana-exec";
import type { Permission } from "./jwt-auth";
import type { Connection, NamespaceStore } from "./namespaces";

const STREAM_IDLE_MS = 10_000;
const MAX_STORED_SQLS = 50;

interface Stream {
  namespace: string;
  conn: Connection;
  sqls: Map<number, string>;
  timer?: NodeJS.Timeout;
}

type HranaBatch = { steps: { condition?: BatchCond | null; stmt: HranaStmt }[] };

type StreamRequest =
  | { type: "close" }
  | { type: "execute"; stmt: HranaStmt }
  | { type: "batch"; batch: HranaBatch }
  | { type: "sequence" | "describe"; sql?: string; sql_id?: number }
  | { type: "store_sql"; sql_id: number; sql: string }
  | { type: "close_sql"; sql_id: number }
  | { type: "get_autocommit" };

/** sqld's StreamError: answered with HTTP 500 and a Hrana error body. */
export class StreamExpiredError extends Error {
  readonly code = "STREAM_EXPIRED";
  constructor() {
    super("The stream has expired due to inactivity");
  }
}

export class HranaServer {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly store: NamespaceStore) {}

  /** Handles one pipeline body; throws ProtocolError / StreamExpiredError / NotAuthorizedError for sqld's request-level failures. */
  handlePipeline(body: unknown, namespace: string, permission: Permission, version: number): unknown {
    if (typeof body !== "object" || body === null || !Array.isArray((body as { requests?: unknown }).requests)) {
      throw new ProtocolError("JSON deserialize error: missing field `requests`");
    }
    const { baton, requests } = body as { baton?: string | null; requests: StreamRequest[] };
    const stream = this.acquire(baton ?? undefined, namespace);
    let closed = false;
    try {
      const results = requests.map((request) => {
        if (closed) throw new ProtocolError("The stream was closed in this pipeline");
        const result = this.handleRequest(stream, request, permission, version);
        if (request?.type === "close") closed = true;
        return result;
      });
      return { baton: closed ? null : this.release(stream), base_url: null, results };
    } catch (error) {
      this.close(stream); // a failed request ends the stream, as dropping sqld's stream guard does
      throw error;
    } finally {
      if (closed) this.close(stream);
    }
  }

  private acquire(baton: string | undefined, namespace: string): Stream {
    if (baton === undefined) {
      return { namespace, conn: this.store.open(namespace), sqls: new Map() };
    }
    const stream = this.streams.get(baton);
    if (!stream || !stream.conn.open) throw new StreamExpiredError();
    this.streams.delete(baton); // a baton is single-use: the response carries the next one
    clearTimeout(stream.timer);
    return stream;
  }

  private release(stream: Stream): string {
    const baton = randomBytes(18).toString("base64url");
    stream.timer = setTimeout(() => {
      this.streams.delete(baton);
      this.close(stream);
    }, STREAM_IDLE_MS);
    stream.timer.unref(); // an idle stream must not keep the test process alive
    this.streams.set(baton, stream);
    return baton;
  }

  private close(stream: Stream): void {
    clearTimeout(stream.timer);
    this.store.release(stream.namespace, stream.conn);
  }

  closeAll(): void {
    for (const stream of this.streams.values()) this.close(stream);
    this.streams.clear();
  }

  private handleRequest(stream: Stream, request: StreamRequest, permission: Permission, version: number): unknown {
    try {
      return { type: "ok", response: this.dispatch(stream, request, permission, version) };
    } catch (error) {
      if (error instanceof StmtError) return { type: "error", error: error.toProto() };
      throw error;
    }
  }

  private dispatch(stream: Stream, request: StreamRequest, permission: Permission, version: number): unknown {
    const stats = this.store.stats(stream.namespace);
    switch (request?.type) {
      case "close":
        return { type: "close" };
      case "execute": {
        const sql = resolveSql(request.stmt, stream.sqls);
        assertMayRun([sql], permission, stream.namespace);
        return { type: "execute", result: executeStmt(stream.conn, sql, request.stmt, stats) };
      }
      case "batch":
        return { type: "batch", result: this.runBatch(stream, request.batch, permission, version) };
      case "sequence": {
        const sql = resolveSql(request, stream.sqls);
        assertMayRun([sql], permission, stream.namespace);
        try {
          stream.conn.exec(sql);
        } catch (error) {
          throw toStmtError(error);
        }
        return { type: "sequence" };
      }
      case "describe":
        return { type: "describe", result: describeStmt(stream.conn, resolveSql(request, stream.sqls)) };
      case "store_sql":
        if (stream.sqls.has(request.sql_id)) throw new ProtocolError(`SQL text with id ${request.sql_id} already exists`);
        if (stream.sqls.size >= MAX_STORED_SQLS) {
          throw new StmtError(`The server already stores ${stream.sqls.size} SQL texts, it cannot store more`, "SQL_STORE_TOO_MANY");
        }
        stream.sqls.set(request.sql_id, request.sql);
        return { type: "store_sql" };
      case "close_sql":
        stream.sqls.delete(request.sql_id);
        return { type: "close_sql" };
      case "get_autocommit":
        if (version < 3) throw new ProtocolError("The `get_autocommit` request is supported only in Hrana 3");
        return { type: "get_autocommit", is_autocommit: !stream.conn.inTransaction };
      default:
        const type = JSON.stringify((request as { type?: unknown })?.type);
        throw new ProtocolError(`JSON deserialize error: unknown stream request ${type}`);
    }
  }

  private runBatch(stream: Stream, batch: HranaBatch, permission: Permission, version: number): BatchResult {
    if (!batch || !Array.isArray(batch.steps)) throw new ProtocolError("JSON deserialize error: missing field `steps`");
    const sqls = batch.steps.map((step) => resolveSql(step.stmt, stream.sqls));
    assertMayRun(sqls, permission, stream.namespace);
    const stats = this.store.stats(stream.namespace);
    const result: BatchResult = { step_results: [], step_errors: [] };
    batch.steps.forEach((step, i) => {
      result.step_results.push(null);
      result.step_errors.push(null);
      if (step.condition && !evalCond(step.condition, result, stream.conn, version)) return;
      try {
        result.step_results[i] = executeStmt(stream.conn, sqls[i]!, step.stmt, stats);
      } catch (error) {
        result.step_errors[i] = (error instanceof StmtError ? error : toStmtError(error)).toProto();
      }
    });
    return result;
  }
}
