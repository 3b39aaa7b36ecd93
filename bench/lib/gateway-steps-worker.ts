/**
 * A Worker for bench/gateway-profile.ts: `POST /<step>?k=<n>` runs one of the gateway's hot-path steps n times in
 * workerd and answers. CPU per request at k=K minus at k=0, over K, is the step's cost in workerd itself (the
 * runtime's C++ included, which a V8 profile only shows as "(program)").
 */
import { constantTimeEquals } from "../../worker/api-key";
import { jsonResponse, readJsonBody } from "../../worker/http";
import { parseBody, queryRequestSchema } from "../../worker/validation";

const KEY = "test-gateway-key-0123456789";
const BODY = JSON.stringify({ statements: [{ sql: "SELECT id, name FROM items WHERE id = ?", args: [7] }], mode: "read" });
const PARSED: unknown = JSON.parse(BODY);
/** sqld's reply to the gateway's one-statement pipeline (a bare `execute` + `close`, worker/hrana.ts). */
const REPLY = '{"baton":null,"base_url":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"id","decltype":"INTEGER"},{"name":"name","decltype":"TEXT"}],"rows":[[{"type":"integer","value":"7"},{"type":"text","value":"item-7"}]],"affected_row_count":0,"last_insert_rowid":null,"replication_index":"3","rows_read":1,"rows_written":0,"query_duration_ms":0.02}}},{"type":"ok","response":{"type":"close"}}]}';
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A request like the caller's: a body stream without a declared length (as miniflare delivers it), or with one. */
const streamed = () => new Request("http://gateway.test/v1/tenants/bench/query", { method: "POST", body: new Response(BODY).body, headers: { "content-type": "application/json" } });
const sized = () => new Request("http://gateway.test/v1/tenants/bench/query", { method: "POST", body: BODY, headers: { "content-type": "application/json", "content-length": String(BODY.length) } });

const STEPS: Record<string, () => unknown> = {
  noop: () => undefined,
  "request, streamed body, .json()": () => streamed().json(),
  "request, streamed body, readJsonBody": () => readJsonBody(streamed()),
  "request, sized body, .json()": () => sized().json(),
  "request, sized body, readJsonBody": () => readJsonBody(sized()),
  "sha256 of the key (the API key check before)": () => crypto.subtle.digest("SHA-256", encoder.encode(KEY)),
  "constantTimeEquals of the API key": () => constantTimeEquals(KEY, KEY),
  "new URL + route regex": () => /^\/v1\/tenants\/([^/]*)\/query$/.exec(new URL("http://gateway.test/v1/tenants/bench/query").pathname),
  "zod parse of the body": () => parseBody(queryRequestSchema, PARSED),
  "new TextDecoder": () => new TextDecoder("utf-8", { fatal: true }),
  "decode with a kept TextDecoder": () => decoder.decode(encoder.encode(BODY)),
  "JSON.parse of sqld's reply": () => JSON.parse(REPLY),
  "Response(reply).json()": () => new Response(REPLY).json(),
  "jsonResponse (3 headers)": () => jsonResponse(200, { results: [{ columns: ["id", "name"], rows: [[7, "item-7"]], rowsAffected: 0, lastInsertRowid: null }] }, { "x-gateway-signatures": "1" }),
  "Response.json, no extra headers": () => Response.json({ results: [{ columns: ["id", "name"], rows: [[7, "item-7"]], rowsAffected: 0, lastInsertRowid: null }] }),
  "await a resolved promise": () => Promise.resolve(),
};

export const STEP_NAMES = Object.keys(STEPS);

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const step = STEPS[decodeURIComponent(url.pathname.slice(1))];
    if (!step) return new Response("no such step", { status: 404 });
    const k = Number(url.searchParams.get("k") ?? "1");
    for (let i = 0; i < k; i++) await step();
    return new Response("ok");
  },
};
