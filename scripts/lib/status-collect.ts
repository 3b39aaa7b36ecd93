/**
 * Reads a deployed self-hosted stack for `npm run status`: the machines and volumes from flyctl, every started
 * machine's admin API through its own `fly proxy` session (`<machine id>.vm.<app>.internal`, a unix socket in a
 * private dir, the admin key only in an HTTP header), and the migration ledger with the migrator's own library.
 * The pure rules that turn this into the status are in stack-status.ts.
 */
import type { SelfHostedPlan } from "../../infra/config/plan";
import { mapBounded, migrationStatus } from "../../infra/migrations/migrator";
import { SQLD_ADMIN_PORT, SQLD_DATA_DIR } from "../../infra/sqld/files";
import { flyJson, type FlyMachine, type StackSecrets } from "./deployed-stack";
import { openFlyProxy, type FlyProxy } from "./fly-proxy";
import { migratorOptions, targetsOf } from "./migrate-cli";
import { parsePrometheusText } from "./prometheus-text";
import { adminRequest } from "./sqld-admin";
import { lastUploadOf } from "./backup-age";
import { backupDbName, metaStoreDbName, type RawBackups, type UploadRead } from "./status-backups";
import { parseDfPortable, type DiskUsage, type FlyVolume, type MachineRead, type NamespaceStats, type RawStatus, type StatsRead } from "./stack-status";

export interface CollectOptions {
  stack: string;
  plan: SelfHostedPlan;
  /** The stack's secret outputs (deployed-stack.ts readStackSecrets). */
  outputs: StackSecrets;
  sampleSeconds: number;
  env?: NodeJS.ProcessEnv;
  /** How long one `fly proxy` may take to listen. @default what flyctl itself may take (9 minutes) */
  proxyWaitMs?: number;
  /** Credentials to list the backup bucket (the stack's backupAccessKeyId/backupSecretAccessKey); without them the last upload times stay unknown. */
  backupCredentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * How full the volume mounted at SQLD_DATA_DIR is, from `df -Pk` run on the machine (`fly machine exec`, flyctl
 * internal/command/machine/exec.go): fly-go's Volume carries no usage. The JSON answer is fly-go
 * MachineExecResponse, whose fields are all omitempty (no `exit_code` means 0).
 */
async function volumeUsageOf(app: string, machineId: string, env: NodeJS.ProcessEnv): Promise<DiskUsage | { error: string }> {
  try {
    const reply = await flyJson<{ exit_code?: number; stdout?: string; stderr?: string }>(["machine", "exec", machineId, `df -Pk ${SQLD_DATA_DIR}`, "-a", app, "--timeout", "20"], env);
    if (reply.exit_code) return { error: `df exited ${reply.exit_code}: ${excerpt(reply.stderr ?? "")}` };
    return parseDfPortable(reply.stdout ?? "");
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const excerpt = (text: string) => text.replace(/\s+/g, " ").slice(0, 200);

async function readStats(proxy: FlyProxy, key: string, tenant: string, stack: string): Promise<StatsRead> {
  try {
    const reply = await adminRequest(proxy, key, "GET", `/v1/namespaces/${tenant}/stats`);
    if (reply.status === 200) return { stats: JSON.parse(reply.text) as NamespaceStats };
    if (reply.status === 404) return { error: `no namespace on the primary (HTTP 404): pulumi up --stack ${stack} creates it` };
    if (reply.status === 401) return { error: "the primary refused the admin key (HTTP 401): is sqldAdminKey the stack's current key?" };
    return { error: `stats: HTTP ${reply.status} ${excerpt(reply.text)}` };
  } catch (error) {
    return { error: `stats: ${(error as Error).message}` };
  }
}

async function readMetrics(proxy: FlyProxy, key: string): Promise<MachineRead["metrics"]> {
  const reply = await adminRequest(proxy, key, "GET", "/metrics");
  if (reply.status === 401) throw new Error("the admin API refused the admin key (HTTP 401): is sqldAdminKey the stack's current key?");
  if (reply.status !== 200) throw new Error(`GET /metrics: HTTP ${reply.status} ${excerpt(reply.text)}`);
  return parsePrometheusText(reply.text);
}

const statsOfAll = async (proxy: FlyProxy, key: string, tenants: readonly string[], stack: string) =>
  new Map(await mapBounded([...tenants], 8, async (t) => [t, await readStats(proxy, key, t, stack)] as const));

async function migrations(o: CollectOptions): Promise<RawStatus["migrations"]> {
  const tenants = new Set(o.plan.namespaces.tenants);
  const targets = targetsOf(o.plan.migrations.sets).filter((t) => tenants.has(t.namespace));
  if (targets.length === 0) return null;
  const job = {
    url: o.outputs.databaseUrl,
    targets,
    namespaceHeader: true,
    concurrency: o.plan.migrations.concurrency,
    status: true,
    signingKeyPem: o.outputs.jwtPrivateKeyPem,
    primaryRegion: o.plan.sqld.topology.primary.code,
  };
  // Read-only: the ledger through a read-only token, as `npm run migrate -- --status` does.
  try {
    return await migrationStatus(targets, { ...migratorOptions(job), attempts: 2 });
  } catch (error) {
    const reason = `the migration ledger could not be read: ${(error as Error).message}`;
    return Object.fromEntries(targets.map((t) => [t.namespace, { applied: [], pending: [], error: reason }]));
  }
}

/** The plan's backup settings, and each database's last upload from the bucket when credentials are given. */
async function readBackups(o: CollectOptions): Promise<RawBackups> {
  const b = o.plan.sqld.backups;
  if (!b) return { configured: false };
  const raw: RawBackups = { configured: true, bucket: b.bucket, databaseId: b.databaseId };
  if (!o.backupCredentials) return raw;
  const access = { endpoint: b.endpoint, bucket: b.bucket, region: b.region, ...o.backupCredentials };
  const names = [metaStoreDbName(b.databaseId), ...o.plan.namespaces.tenants.map((t) => backupDbName(b.databaseId, t))];
  const read = async (name: string): Promise<UploadRead> => lastUploadOf(access, name).catch((error: Error) => ({ error: error.message }));
  return { ...raw, uploads: new Map(await mapBounded(names, 4, async (name) => [name, await read(name)] as const)) };
}

export async function collectStatus(o: CollectOptions): Promise<RawStatus> {
  const env = o.env ?? process.env;
  const app = o.plan.sqld.app;
  const key = o.outputs.sqldAdminKey;
  const tenants = o.plan.namespaces.tenants;
  const [machines, volumes] = await Promise.all([flyJson<FlyMachine[]>(["machines", "list", "-a", app], env), flyJson<FlyVolume[]>(["volumes", "list", "-a", app], env)]);
  const reads: MachineRead[] = machines.map((m) => ({ id: m.id, region: m.region, group: m.config?.metadata?.fly_process_group ?? "?", state: m.state }));
  const started = reads.filter((m) => m.state === "started");
  const proxies = new Map<string, FlyProxy>();
  try {
    await Promise.all(
      started.map(async (m) => {
        try {
          proxies.set(m.id, await openFlyProxy({ app, host: `${m.id}.vm.${app}.internal`, remotePort: SQLD_ADMIN_PORT, env, bindWaitMs: o.proxyWaitMs }));
        } catch (error) {
          m.error = (error as Error).message;
        }
      }),
    );
    const primary = started.find((m) => m.group === "primary" && proxies.has(m.id));
    const primaryProxy = primary && proxies.get(primary.id)!;
    const primaryBefore = primaryProxy ? await statsOfAll(primaryProxy, key, tenants, o.stack) : new Map<string, StatsRead>();
    await new Promise((r) => setTimeout(r, o.sampleSeconds * 1000));
    const primaryAfter = primaryProxy ? await statsOfAll(primaryProxy, key, tenants, o.stack) : new Map<string, StatsRead>();
    // The primary's metrics first, then the replicas': a replica read later can only look less behind, never more.
    const ordered = [...started].sort((a, b) => Number(b === primary) - Number(a === primary));
    for (const m of ordered) {
      const proxy = proxies.get(m.id);
      if (!proxy) continue;
      try {
        m.metrics = await readMetrics(proxy, key);
      } catch (error) {
        m.error = (error as Error).message;
      }
    }
    const attached = new Set(volumes.map((v) => v.attached_machine_id).filter((id): id is string => typeof id === "string"));
    const volumeUsage = new Map(await mapBounded(started.filter((m) => attached.has(m.id)), 4, async (m) => [m.id, await volumeUsageOf(app, m.id, env)] as const));
    const noPrimary = (t: string) => [t, { error: "the primary's admin API could not be read" }] as const;
    const backups = await readBackups(o);
    return {
      stack: o.stack,
      app,
      checkedAt: new Date().toISOString(),
      autoStop: o.plan.sqld.autoStop,
      tenants,
      machines: reads,
      primaryBefore,
      primaryAfter: primaryProxy ? primaryAfter : new Map(tenants.map(noPrimary)),
      volumes,
      volumeUsage,
      migrations: await migrations(o),
      backups,
    };
  } finally {
    await Promise.all([...proxies.values()].map((p) => p.close()));
  }
}
