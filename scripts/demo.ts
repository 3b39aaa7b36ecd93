/**
 * `npm run demo`: the whole stack on this machine, no cloud account. The real Pulumi engine (scripts/build-engine.sh)
 * runs the real program; Fly.io is played by the project's fake flyctl whose machines are real sqld processes, and
 * Cloudflare by local workerd (local/box). Everything listens on 127.0.0.1; state lives in .demo/.
 *   npm run demo              bring it up (again: an `up` on the existing demo stack)
 *   npm run demo -- --down    pulumi destroy, stop the local platform, remove .demo/
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Workspace, REPO_ROOT, engineBin, repoStackConfig } from "../local/workspace";
import { findEngine, sdkVersion } from "../local/engine";
import { freePort } from "../local/sqld/process";
import { spawnBox } from "../local/box/spawn-box";
import { isProcessAlive } from "../local/pid";
import { runProcess } from "../local/run-process";

const DEMO = path.join(REPO_ROOT, ".demo");
const APP = "acme-sqld-demo";
const STACK = "demo";
const ACCOUNT = repoStackConfig("dev").worker.accountId as string;
const CLOUDFLARE_TOKEN = "demo-token-for-the-local-cloudflare";
const paths = { fly: path.join(DEMO, "fly"), box: path.join(DEMO, "box"), settings: path.join(DEMO, "demo.json") };
/** Every tenant at <tenant>.db.localhost: names that resolve to loopback (RFC 6761), no DNS or certificate. */
const TENANT_DOMAIN = "db.localhost";

interface DemoSettings {
  edgePort: number;
  boxUrl: string;
  boxPid: number;
}

async function main(): Promise<void> {
  if (process.argv.includes("--down")) return down();
  ensureEngine();
  fs.mkdirSync(DEMO, { recursive: true });
  const settings = await ensureBox();
  const ws = workspace(settings);
  const fresh = !fs.existsSync(path.join(ws.dir, `Pulumi.${STACK}.yaml`));
  const dev = repoStackConfig("dev");
  // Written on every run (keys replaced, the stack's salt kept): a demo made before tenantDomain gets it too.
  ws.writeStackConfig(STACK, { fly: { ...dev.fly, app: APP }, sqld: { ...dev.sqld, publicUrl: `http://127.0.0.1:${settings.edgePort}`, tenantDomain: TENANT_DOMAIN } }, "dev");
  if (fresh) await ws.initStack(STACK);
  console.log("demo: pulumi up (first run takes a minute or two)…");
  const up = await ws.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK]);
  process.stdout.write(up.stdout.slice(up.stdout.lastIndexOf("Outputs:")));
  const out = await ws.outputs(STACK);
  const worker = await fetch(`${settings.boxUrl}/workers/${ACCOUNT}/${String(out.gatewayScriptName)}`);
  const { url } = (await worker.json()) as { url: string };
  // A local sandbox: the key goes to a 0600 file for the sample query, never to the terminal.
  const envFile = path.join(DEMO, "gateway.env");
  fs.writeFileSync(envFile, `GATEWAY_URL=${url}\nGATEWAY_API_KEY=${String(out.gatewayApiKey)}\n`, { mode: 0o600 });
  const acme = await tenantUrlFromGateway(url, String(out.gatewayApiKey));
  console.log(`
demo: up in ${up.seconds.toFixed(0)} s. The gateway Worker runs in local workerd at ${url}
      (in the cloud it would be ${String(out.gatewayUrl)}); sqld answers at http://127.0.0.1:${settings.edgePort}.

Try a query (tenant "acme"; "globex" is another namespace, "other" is not a tenant):
  . ${path.relative(process.cwd(), envFile)}
  curl -s "$GATEWAY_URL/v1/tenants/acme/query" -H "Authorization: Bearer $GATEWAY_API_KEY" -H "content-type: application/json" \\
    -d '{"statements":[{"sql":"create table if not exists notes (body text)"},{"sql":"insert into notes values (?)","args":["hello"]},{"sql":"select * from notes"}],"mode":"write"}'

${replicaSnippet(acme, path.relative(process.cwd(), envFile))}

Remove everything: npm run demo -- --down`);
  await showStatus(ws);
}

/** `npm run status` as an operator would run it in the demo's project (a few seconds: one sample of 1 s). */
async function showStatus(ws: Workspace): Promise<void> {
  console.log(`\ndemo: npm run status -- --stack ${STACK}\n`);
  const status = await runProcess("npm", ["run", "-s", "status", "--", "--stack", STACK, "--sample", "1"], { env: ws.env, cwd: ws.dir });
  process.stdout.write(status.stdout);
  if (status.code !== 0) console.log(`demo: status exited ${status.code}${status.stderr ? `: ${status.stderr.trim()}` : ""}`);
}

/** Asks the deployed Worker for a token of acme, as an app's backend would, and keeps only the URL it answers. */
async function tenantUrlFromGateway(gatewayUrl: string, apiKey: string): Promise<string> {
  const reply = await fetch(`${gatewayUrl}/v1/tenants/acme/token`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ access: "ro", ttlSeconds: 60 }),
  });
  const body = (await reply.json()) as { url?: string; error?: string };
  if (!reply.ok || !body.url) throw new Error(`the gateway's token route answered ${reply.status} ${JSON.stringify(body.error ?? body)}`);
  return body.url;
}

/**
 * An embedded replica of acme the user runs as is: a token from the Worker's token endpoint (curl), then node with
 * @libsql/client (resolved from the repo's node_modules, run from .demo/ so acme.db goes away with --down).
 */
function replicaSnippet(syncUrl: string, envFile: string): string {
  const host = new URL(syncUrl).hostname;
  return `An embedded replica of "acme" (sync URL and token from the gateway's token endpoint; ${host} must resolve to
127.0.0.1: it does with systemd-resolved and on macOS, elsewhere add "127.0.0.1 ${host}" to /etc/hosts):
  . ${envFile}
  export ACME_TOKEN=$(curl -s -X POST "$GATEWAY_URL/v1/tenants/acme/token" -H "Authorization: Bearer $GATEWAY_API_KEY" \\
    -H "content-type: application/json" -d '{"access":"rw"}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')
  (cd .demo && node --input-type=module -e '
import { createClient } from "@libsql/client";
const db = createClient({ url: "file:acme.db", syncUrl: "${syncUrl}", authToken: process.env.ACME_TOKEN });
await db.sync();
await db.execute("create table if not exists notes (body text)"); // writes go to the primary
await db.execute("insert into notes values (\\x27from an embedded replica\\x27)");
await db.sync();
console.log((await db.execute("select * from notes")).rows);')`;
}

function ensureEngine(): void {
  const { engine, pathMismatch } = findEngine();
  if (engine?.source === "PATH") console.log(`demo: using the Pulumi CLI on PATH (${engine.dir}/pulumi, ${sdkVersion()}, the SDK's version): no Go build needed`);
  if (engine) return;
  if (pathMismatch) console.log(`demo: not using the pulumi on PATH: ${pathMismatch}`);
  console.log("demo: building the Pulumi engine from Go modules (scripts/build-engine.sh; ~12 min the first time)…");
  const build = spawnSync(path.join(REPO_ROOT, "scripts/build-engine.sh"), { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("scripts/build-engine.sh failed (needs Go ≥ 1.24 and the Go module proxy), or put a Pulumi CLI's folder in PULUMI_ENGINE_BIN");
}

/** The local platform (fake Fly + workerd) as a background process that outlives this command. */
async function ensureBox(): Promise<DemoSettings> {
  if (fs.existsSync(paths.settings)) {
    const saved = JSON.parse(fs.readFileSync(paths.settings, "utf8")) as DemoSettings;
    if (isProcessAlive(saved.boxPid)) return saved;
  }
  const edgePort = await freePort();
  fs.mkdirSync(paths.box, { recursive: true });
  const box = await spawnBox({
    root: paths.box,
    flyStateDir: paths.fly,
    edges: { [APP]: edgePort },
    cloudflare: { token: CLOUDFLARE_TOKEN, subdomains: { [ACCOUNT]: "acme-demo" } },
    detachedLog: path.join(DEMO, "box.log"),
  });
  const settings = { edgePort, boxUrl: box.url, boxPid: box.pid };
  fs.writeFileSync(paths.settings, JSON.stringify(settings, null, 2));
  return settings;
}

function workspace(settings: DemoSettings): Workspace {
  return Workspace.create(
    STACK,
    {
      FAKE_FLY_STATE: paths.fly,
      FLY_API_TOKEN: "demo-token-for-the-fake-fly",
      LIBSQL_BOX_URL: settings.boxUrl,
      CLOUDFLARE_API_URL: `${settings.boxUrl}/client/v4`,
      CLOUDFLARE_API_TOKEN: CLOUDFLARE_TOKEN,
    },
    path.join(DEMO, "workspace"),
  );
}

async function down(): Promise<void> {
  if (!fs.existsSync(paths.settings)) {
    console.log("demo: nothing to remove");
    return;
  }
  const settings = JSON.parse(fs.readFileSync(paths.settings, "utf8")) as DemoSettings;
  if (isProcessAlive(settings.boxPid) && engineBin() && fs.existsSync(path.join(DEMO, "workspace/project"))) {
    // `--down` removes the demo's data on purpose: the run-time consent names the demo's app (infra/deletion-consent.ts).
    await workspace(settings).pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK], { env: { LIBSQL_STACK_DELETE_DATA: APP } });
  }
  // Only the process this demo started (its PID is in .demo/demo.json); it stops its own sqld children.
  if (isProcessAlive(settings.boxPid)) process.kill(settings.boxPid, "SIGTERM");
  for (let i = 0; i < 50 && isProcessAlive(settings.boxPid); i++) await new Promise((r) => setTimeout(r, 100));
  fs.rmSync(DEMO, { recursive: true, force: true });
  console.log("demo: removed (stack destroyed, local platform stopped, .demo/ deleted)");
}

main().catch((err) => {
  console.error(`demo: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
