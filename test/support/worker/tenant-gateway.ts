/**
 * The gateway's tenants in either mode, behind one interface, so a tenant suite runs unchanged against both:
 *  - self-hosted: the real Worker bundle in workerd in front of the dev stack's real sqld, a namespace per tenant
 *    (local/gateway-harness.ts);
 *  - managed: the same bundle with DB_MODE managed and the TENANT_DATABASES_<n> bindings the stack gives it, in front
 *    of the Turso double whose databases are real sqld processes behind TLS, one per tenant (local/turso-harness.ts).
 * Tokens are the ones `/v1/tenants/:t/token` hands out in that mode; `direct` sends one with a statement straight to
 * a tenant's database, as a client holding that token would.
 */
import { dirname, join } from "node:path";
import type { Miniflare } from "miniflare";
import { API_KEY, callWorker, startGateway, startWorker, type CallOptions, type GatewayHarness, type GatewayReply, type TestBindings } from "../../../local/gateway-harness";
import { executeRaw, scopedToken, type PipelineReply } from "../../../local/sqld/tenant-client";
import { executeOnDatabase, pipelineOnDatabase, startTursoHarness, type TursoHarness } from "../../../local/turso-harness";
import { rawPipeline, type RawReply } from "../security/raw-hrana";
import type { Access } from "../../../worker/claims";
import { MODE_SWITCH_BLOCK_REASON } from "../../../worker/suspension";
import { blockNamespaceWrites } from "../../../scripts/lib/mode-switch/write-block";
import { blockDatabaseWrites } from "../../../scripts/lib/mode-switch/turso-api";
import { tenantBindingGroups, tenantDatabasesText, type TenantDatabase } from "../../../worker/tenant-databases";

export const GATEWAY_MODES = ["self-hosted", "managed"] as const;
export type GatewayMode = (typeof GATEWAY_MODES)[number];

export interface TenantGateway {
  mode: GatewayMode;
  bindings: TestBindings;
  /** Calls the Worker; `body` objects are sent as JSON; the API key is added unless `apiKey: null`. */
  call(method: string, path: string, options?: CallOptions): Promise<GatewayReply>;
  /** The token `/v1/tenants/:tenant/token` hands out for `access` (self-hosted: minted alike; managed: the stored one). */
  token(tenant: string, access: Access): Promise<string>;
  /** `sql` with `token` straight to `tenant`'s database: sqld with its namespace header, or the Turso database's URL. */
  direct(tenant: string, token: string | undefined, sql: string): Promise<PipelineReply>;
  /** A raw Hrana pipeline (`requests` as given) with `token` straight to `tenant`'s database, like `direct`. */
  pipeline(tenant: string, token: string | undefined, requests: unknown[]): Promise<RawReply>;
  /** What sqld names the tenant's database (`libsql_server_database_name()`): the namespace, or the Turso DbId. */
  databaseName(tenant: string): string;
  /** Absolute path of the tenant's SQLite file on the server that serves it. */
  dataFile(tenant: string): string;
  /** Folders holding every tenant's database files (a hostile tenant must not add or remove a file there). */
  volumes: string[];
  /** Blocks the tenant's writes as a mode switch does on the side the gateway still serves (write-block.ts, turso-api.ts). */
  pauseWritesForSwitch(tenant: string): Promise<void>;
  /** Every sqld serving the tenants is still running. */
  running(): boolean;
  /** Values no tenant may ever read back from the server (keys, the volume's path). */
  secrets: string[];
  close(): Promise<void>;
}

export interface TenantGatewayOptions {
  /** The Worker's tenants (TENANTS), each with its own database. */
  tenants: string[];
  /** Databases that exist but belong to no tenant of the Worker (sqld namespaces / Turso databases of the group). */
  others?: string[];
}

export function startTenantGateway(mode: GatewayMode, options: TenantGatewayOptions): Promise<TenantGateway> {
  return mode === "self-hosted" ? selfHosted(options) : managed(options);
}

/** The self-hosted harness behind the interface (what test/support/security/arena.ts also reaches for directly). */
export function selfHostedTenants(gw: GatewayHarness): TenantGateway {
  const args = gw.target.spec.args;
  const dbPath = args[args.indexOf("--db-path") + 1];
  if (args.indexOf("--db-path") < 0 || !dbPath) throw new Error(`the target machine has no --db-path: ${args.join(" ")}`);
  return {
    mode: "self-hosted",
    bindings: gw.bindings,
    call: gw.call,
    token: (tenant, access) => scopedToken(gw.keys.privateKeyPem, tenant, access),
    direct: (tenant, token, sql) => executeRaw(gw.dbUrl, sql, { token, namespace: tenant }),
    pipeline: (tenant, token, requests) => rawPipeline(gw.dbUrl, requests, { token, namespace: tenant }),
    databaseName: (tenant) => tenant,
    dataFile: (tenant) => join(dbPath, "dbs", tenant, "data"),
    volumes: [gw.cluster.primary, ...gw.cluster.replicas].map((machine) => machine.dataDir),
    pauseWritesForSwitch: async (tenant) => void (await blockNamespaceWrites({ endpoint: { url: gw.cluster.primary.adminUrl }, key: gw.keys.adminKey }, tenant, MODE_SWITCH_BLOCK_REASON)),
    running: () => gw.target.process.running,
    secrets: [gw.keys.adminKey, gw.keys.sqldJwtKey, gw.target.dataDir],
    close: () => gw.close(),
  };
}

async function selfHosted(options: TenantGatewayOptions): Promise<TenantGateway> {
  return selfHostedTenants(await startGateway({ tenants: options.tenants, otherNamespaces: options.others }));
}

/** The bindings the stack gives a managed Worker for these tenants (stacks/database.ts, infra/cloudflare/edge-worker.ts). */
export function managedBindings(tenants: string[], entries: Record<string, TenantDatabase>): TestBindings {
  const out: Record<string, string> = {};
  tenantBindingGroups(Object.keys(entries)).forEach((group, i) => {
    out[`TENANT_DATABASES_${i}`] = tenantDatabasesText(Object.fromEntries(group.map((t) => [t, entries[t]!])));
  });
  return { DB_URL: entries[tenants[0]!]!.url, DB_MODE: "managed", GATEWAY_API_KEY: API_KEY, TENANTS: tenants, ...out };
}

/** Turso organisation and group of the managed harness; databases are named `app-<tenant>` as `<turso.database>-<tenant>`. */
const ORG = "myorg";
const GROUP = "tenants";

async function managed(options: TenantGatewayOptions): Promise<TenantGateway> {
  const turso: TursoHarness = await startTursoHarness();
  let mf: Miniflare | undefined;
  try {
    const dbs: Record<string, TenantDatabase> = {};
    for (const tenant of [...options.tenants, ...(options.others ?? [])]) dbs[tenant] = await turso.createDatabase(ORG, GROUP, `app-${tenant}`);
    const bindings = managedBindings(options.tenants, Object.fromEntries(options.tenants.map((t) => [t, dbs[t]!])));
    mf = await startWorker(bindings, { outboundService: turso.outboundService });
    const served = mf;
    const view = (tenant: string) => {
      const found = turso.view().databases[`app-${tenant}`];
      if (!found) throw new Error(`no Turso database for ${tenant}`);
      return found;
    };
    const entry = (tenant: string) => {
      const found = dbs[tenant];
      if (!found) throw new Error(`no Turso database for ${tenant}`);
      return found;
    };
    return {
      mode: "managed",
      bindings,
      call: (method, path, callOptions) => callWorker(served, method, path, callOptions),
      token: async (tenant, access) => entry(tenant)[access],
      direct: (tenant, token, sql) => executeOnDatabase(entry(tenant).url, token, sql, turso.ca),
      pipeline: async (tenant, token, requests) => {
        const reply = await pipelineOnDatabase(entry(tenant).url, token, requests, turso.ca);
        return { status: reply.status, text: reply.text, json: typeof reply.body === "object" ? (reply.body as RawReply["json"]) : undefined };
      },
      databaseName: (tenant) => view(tenant).dbId,
      // BoxTurso runs each database's sqld with --db-path <dataDir>/data.sqld and the database as namespace <DbId>.
      dataFile: (tenant) => join(view(tenant).dataDir, "data.sqld", "dbs", view(tenant).dbId, "data"),
      volumes: Object.keys(dbs).map((tenant) => view(tenant).dataDir),
      pauseWritesForSwitch: async (tenant) => void (await blockDatabaseWrites({ url: turso.url, token: turso.token, org: ORG }, `app-${tenant}`)),
      running: () => Object.keys(dbs).every((tenant) => view(tenant).running),
      // Each tenant's database tokens reach only that database; the folder of all the double's databases.
      secrets: [...Object.values(dbs).flatMap((db) => [db.rw, db.ro]), dirname(dirname(view(options.tenants[0]!).dataDir))],
      async close() {
        await served.dispose();
        await turso.close();
      },
    };
  } catch (error) {
    await mf?.dispose();
    await turso.close();
    throw error;
  }
}
