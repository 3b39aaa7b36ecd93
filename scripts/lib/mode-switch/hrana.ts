/**
 * A minimal Hrana-over-HTTP client (libsql docs/HRANA_3_SPEC.md, `POST /v2/pipeline` with a baton): one stream =
 * one sqld connection, so a transaction spans pipeline requests and `PRAGMA foreign_keys` holds for the stream.
 * Used instead of @libsql/client because the copy must pick the namespace header and keep one connection for a
 * whole replay (the client opens a stream per batch).
 */
import { describeEndpoint, readText, send, type TenantEndpoint } from "./endpoint";

import type { HranaValue } from "../../../worker/hrana";

export type { HranaValue };

export interface Statement {
  sql: string;
  args?: HranaValue[];
}

export interface StatementResult {
  cols: { name: string | null }[];
  rows: HranaValue[][];
  affected_row_count: number;
}

interface PipelineReply {
  baton: string | null;
  base_url: string | null;
  results: ({ type: "ok"; response: { type: string; result?: StatementResult } } | { type: "error"; error: { message: string; code?: string } })[];
}

/** SQL in an error message: first 200 characters (a dump statement can be megabytes). */
const excerpt = (sql: string) => (sql.length > 200 ? `${sql.slice(0, 200)}…` : sql).replace(/\s+/g, " ");

export class HranaStream {
  private baton: string | null = null;
  constructor(private readonly endpoint: TenantEndpoint) {}

  /** Executes the statements in order on this stream; the first error throws, naming the statement. */
  async execute(statements: Statement[]): Promise<StatementResult[]> {
    const body = JSON.stringify({ baton: this.baton, requests: statements.map((stmt) => ({ type: "execute", stmt: { sql: stmt.sql, args: stmt.args ?? [], want_rows: true } })) });
    const res = await send(this.endpoint, { method: "POST", path: "/v2/pipeline", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, body });
    const text = await readText(res);
    if (res.statusCode !== 200) throw new Error(`Hrana on ${describeEndpoint(this.endpoint)}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    const reply = JSON.parse(text) as PipelineReply;
    this.baton = reply.baton;
    return reply.results.map((r, i) => {
      if (r.type === "error") throw new Error(`Hrana on ${describeEndpoint(this.endpoint)}: ${r.error.code ?? "error"} ${r.error.message} in: ${excerpt(statements[i]!.sql)}`);
      return r.response.result!;
    });
  }

  /**
   * Runs the statements as ONE transaction that commits only if every statement succeeded: a Hrana `batch`
   * (spec "Batches") whose steps each run only if the previous one was ok, then COMMIT, and ROLLBACK when COMMIT
   * did not run (what @libsql/client's batch does). The first failing statement throws, naming it.
   */
  async transaction(statements: Statement[]): Promise<void> {
    const steps = [{ stmt: { sql: "BEGIN" } }, ...statements.map((stmt, i) => ({ stmt: { sql: stmt.sql, args: stmt.args ?? [], want_rows: false }, condition: { type: "ok", step: i } }))];
    const commit = steps.length;
    steps.push({ stmt: { sql: "COMMIT" }, condition: { type: "ok", step: commit - 1 } } as (typeof steps)[number]);
    steps.push({ stmt: { sql: "ROLLBACK" }, condition: { type: "not", cond: { type: "ok", step: commit } } } as unknown as (typeof steps)[number]);
    const body = JSON.stringify({ baton: this.baton, requests: [{ type: "batch", batch: { steps } }] });
    const res = await send(this.endpoint, { method: "POST", path: "/v2/pipeline", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, body });
    const text = await readText(res);
    if (res.statusCode !== 200) throw new Error(`Hrana on ${describeEndpoint(this.endpoint)}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
    const reply = JSON.parse(text) as { baton: string | null; results: ({ type: "ok"; response: { result: { step_errors: ({ message: string; code?: string } | null)[] } } } | { type: "error"; error: { message: string } })[] };
    this.baton = reply.baton;
    const result = reply.results[0]!;
    if (result.type === "error") throw new Error(`Hrana on ${describeEndpoint(this.endpoint)}: ${result.error.message}`);
    const errors = result.response.result.step_errors;
    const failed = errors.findIndex((e, i) => e !== null && i < commit + 1);
    if (failed >= 0) {
      const sql = failed === 0 ? "BEGIN" : failed === commit ? "COMMIT" : statements[failed - 1]!.sql;
      throw new Error(`Hrana on ${describeEndpoint(this.endpoint)}: ${errors[failed]!.code ?? "error"} ${errors[failed]!.message} in: ${excerpt(sql)} (transaction rolled back)`);
    }
  }

  /**
   * Streams the rows of one query (Hrana 3 `POST /v3/cursor`: newline-delimited JSON entries `step_begin`, `row`,
   * `step_end`, `step_error`, `error`), so a table of any size is read in one pass with one row in memory.
   */
  async *cursor(sql: string): AsyncGenerator<HranaValue[]> {
    const body = JSON.stringify({ baton: this.baton, batch: { steps: [{ stmt: { sql, args: [], want_rows: true } }] } });
    const res = await send(this.endpoint, { method: "POST", path: "/v3/cursor", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, body });
    if (res.statusCode !== 200) throw new Error(`Hrana cursor on ${describeEndpoint(this.endpoint)}: HTTP ${res.statusCode} ${(await readText(res)).slice(0, 300)}`);
    let buffered = "";
    let first = true;
    for await (const chunk of res.setEncoding("utf8")) {
      buffered += chunk as string;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() === "") continue;
        const entry = JSON.parse(line) as { baton?: string | null; type?: string; row?: HranaValue[]; error?: { message: string; code?: string } };
        if (first) {
          first = false;
          this.baton = entry.baton ?? null;
          continue;
        }
        if (entry.type === "row") yield entry.row!;
        else if (entry.type === "step_error" || entry.type === "error") throw new Error(`Hrana cursor on ${describeEndpoint(this.endpoint)}: ${entry.error?.code ?? "error"} ${entry.error?.message} in: ${excerpt(sql)}`);
      }
    }
  }

  async query(sql: string, args?: HranaValue[]): Promise<StatementResult> {
    return (await this.execute([{ sql, args }]))[0]!;
  }

  /** Ends the stream (sqld would close it after 10 s idle anyway). */
  async close(): Promise<void> {
    if (this.baton === null) return;
    const body = JSON.stringify({ baton: this.baton, requests: [{ type: "close" }] });
    this.baton = null;
    const res = await send(this.endpoint, { method: "POST", path: "/v2/pipeline", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }, body });
    await readText(res);
  }
}
