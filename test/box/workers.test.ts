/**
 * The box's Workers host and Cloudflare API subset: an uploaded script runs in workerd with its bindings, a re-PUT
 * replaces it at the same URL, DELETE removes it; the program's workers.dev subdomain script works against
 * <box>/client/v4.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workersDevSubdomainScripts, workersDevUrl } from "../../infra/cloudflare/workers-dev";
import { startBox, type Box } from "../../local/box/box";
import { runShell } from "../../local/run-process";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "cf-token-for-box-tests";

const esm = (code: string) => ({ name: "worker.js", type: "esm", contentBase64: Buffer.from(code).toString("base64") });
const worker = (version: string) =>
  esm(`export default { async fetch(request, env) { return Response.json({ version: "${version}", greeting: env.GREETING, tenants: env.TENANTS, key: env.API_KEY }); } };`);

describe("box: Workers and the Cloudflare API subset", () => {
  let box: Box;
  let dir: string;
  const put = (body: unknown, script = "gateway") =>
    fetch(`${box.url}/workers/${ACCOUNT}/${script}`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const upload = (version: string, greeting: string) => ({
    mainModule: "worker.js",
    modules: [worker(version)],
    bindings: [
      { type: "plain_text", name: "GREETING", text: greeting },
      { type: "secret_text", name: "API_KEY", text: "s3cret" },
      { type: "json", name: "TENANTS", json: ["acme", "globex"] },
    ],
    compatibilityDate: "2025-01-01",
    compatibilityFlags: ["nodejs_compat"],
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "box-workers-"));
    box = await startBox({ root: join(dir, "root"), flyStateDir: join(dir, "fly"), cloudflare: { token: TOKEN, subdomains: { [ACCOUNT]: "acme" } } });
  });
  afterAll(async () => {
    await box?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves an upload with its bindings; a re-PUT changes the answer at the same URL; DELETE removes it", async () => {
    const first = await put(upload("v1", "hello"));
    expect(first.status, await first.clone().text()).toBe(200);
    const { url } = (await first.json()) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(url)).json()).toEqual({ version: "v1", greeting: "hello", tenants: ["acme", "globex"], key: "s3cret" });
    expect(box.workerUrl(ACCOUNT, "gateway")).toBe(url);

    const second = await put(upload("v2", "bonjour"));
    expect(((await second.json()) as { url: string }).url).toBe(url);
    expect(await (await fetch(url)).json()).toMatchObject({ version: "v2", greeting: "bonjour" });
    expect(await (await fetch(`${box.url}/workers/${ACCOUNT}/gateway`)).json()).toEqual({ url });

    expect((await fetch(`${box.url}/workers/${ACCOUNT}/gateway`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${box.url}/workers/${ACCOUNT}/gateway`, { method: "DELETE" })).status).toBe(404);
    expect((await fetch(`${box.url}/workers/${ACCOUNT}/gateway`)).status).toBe(404);
    await expect(fetch(url)).rejects.toThrow();
  });

  it("a Worker's fetch reaches a 127.0.0.1 server (as the gateway reaches sqld through the box's edge)", async () => {
    const server = createServer((req, res) => res.end(`local:${req.url}`));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const reply = await put({
        mainModule: "worker.js",
        modules: [esm("export default { async fetch(request, env) { return new Response(await (await fetch(env.TARGET + '/probe')).text()); } };")],
        bindings: [{ type: "plain_text", name: "TARGET", text: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }],
        compatibilityDate: "2025-01-01",
      }, "fetcher");
      const { url } = (await reply.json()) as { url: string };
      expect(await (await fetch(url)).text()).toBe("local:/probe");
    } finally {
      server.close();
    }
  });

  it("refuses uploads outside the contract with 400 naming the problem", async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...upload("x", "y"), mainModule: "other.js" }, /mainModule/],
      [{ ...upload("x", "y"), modules: [{ ...worker("x"), type: "commonjs" }] }, /esm/],
      [{ ...upload("x", "y"), bindings: [{ type: "kv_namespace", name: "KV", namespace_id: "n" }] }, /unsupported type/],
      [{ ...upload("x", "y"), compatibilityDate: "today" }, /compatibilityDate/],
    ];
    for (const [body, problem] of cases) {
      const reply = await put(body, "bad");
      expect(reply.status).toBe(400);
      expect(((await reply.json()) as { error: string }).error).toMatch(problem);
    }
    expect((await fetch(`${box.url}/workers/${ACCOUNT}/bad`)).status).toBe(404);
  });

  it("answers the program's workers.dev subdomain script under /client/v4", async () => {
    const scripts = workersDevSubdomainScripts(ACCOUNT);
    const env = { PATH: process.env.PATH, CLOUDFLARE_API_URL: `${box.url}/client/v4`, CLOUDFLARE_API_TOKEN: TOKEN };
    const ok = await runShell(scripts.create, env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(workersDevUrl("gw", ok.stdout)).toBe("https://gw.acme.workers.dev");
    expect((await runShell(scripts.create, { ...env, CLOUDFLARE_API_TOKEN: "wrong" })).code).toBe(1);
  });
});
