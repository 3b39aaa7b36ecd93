import { stringify } from "smol-toml";
import type { FlyAutoStop } from "../fly/contract";
import { METRICS_PATH, METRICS_RELAY_LISTEN_ADDR, METRICS_RELAY_LISTEN_ENV, METRICS_RELAY_PORT } from "./image/metrics-relay";

/** Where sqld keeps its data inside the machine; the Fly volume is mounted here. */
export const SQLD_DATA_DIR = "/var/lib/sqld";
/** The [[mounts]] source: every sqld machine's volume carries this name (fly scale reuses volumes by name). */
export const SQLD_VOLUME_NAME = "sqld_data";
export const SQLD_HTTP_PORT = 8080;
/** Private ports: never exposed as Fly services (admin is reached through `fly proxy`, gRPC over 6PN only). */
export const SQLD_ADMIN_PORT = 9090;
export const SQLD_GRPC_PORT = 5001;

/**
 * Replication mTLS files inside every machine. Fly writes each from the app secret of the same entry
 * (`[[files]]` `secret_name`, flyctl internal/appconfig/config.go `File.toMachineFile`: the name is handed to the
 * Machines API, which base64-DECODES the secret into `guest_path`; flyctl itself base64-encodes `raw_value` and
 * `local_path` contents the same way). The secrets therefore hold base64 PEMs: one line, no `#`, quotes or spaces,
 * so `fly secrets import` (internal/command/secrets/parser.go) keeps them exactly.
 *
 * Known limit: `processes` below only decides which machines get the FILE. The secrets themselves are app-wide:
 * Fly injects every app secret into every machine's environment, so replicas also hold the primary's server key
 * (and the S3 keys, BACKUP_SECRET_NAMES). The Machines API could scope them (fly-go machine_types.go
 * `MachineProcess.Secrets` + `IgnoreAppSecrets`), but flyctl (ad0172f) offers no per-process-group way to set
 * that: fly.toml's only hook, `machine_config` (internal/appconfig/config.go `Config.MachineConfig`, parsed by
 * internal/containerconfig/parse.go into the machine config), is one value for all groups (`Config.Flatten` does
 * not vary it). A real fix is a separate Fly app per role (own secrets) - not done.
 */
export const REPLICATION_TLS_DIR = "/etc/sqld/tls";
export const REPLICATION_TLS_FILES = {
  ca: { secret: "SQLD_REPLICATION_CA_CERT_B64", path: `${REPLICATION_TLS_DIR}/ca.pem`, processes: ["primary", "replica"] },
  serverCert: { secret: "SQLD_REPLICATION_SERVER_CERT_B64", path: `${REPLICATION_TLS_DIR}/server.pem`, processes: ["primary"] },
  serverKey: { secret: "SQLD_REPLICATION_SERVER_KEY_B64", path: `${REPLICATION_TLS_DIR}/server.key`, processes: ["primary"] },
  clientCert: { secret: "SQLD_REPLICATION_CLIENT_CERT_B64", path: `${REPLICATION_TLS_DIR}/client.pem`, processes: ["replica"] },
  clientKey: { secret: "SQLD_REPLICATION_CLIENT_KEY_B64", path: `${REPLICATION_TLS_DIR}/client.key`, processes: ["replica"] },
} as const;

/** The primary's gRPC listener always requires a client certificate from the stack's CA (it listens on 6PN in every topology). */
function primaryTlsArgs(): string[] {
  const f = REPLICATION_TLS_FILES;
  return ["--grpc-tls", "--grpc-cert-file", f.serverCert.path, "--grpc-key-file", f.serverKey.path, "--grpc-ca-cert-file", f.ca.path];
}

/** Replicas present the client certificate and accept only a primary certificate for `sqld` from the same CA. */
function replicaTlsArgs(): string[] {
  const f = REPLICATION_TLS_FILES;
  return ["--primary-grpc-tls", "--primary-grpc-cert-file", f.clientCert.path, "--primary-grpc-key-file", f.clientKey.path, "--primary-grpc-ca-cert-file", f.ca.path];
}

export interface SqldBackupSettings {
  endpoint: string;
  bucket: string;
  region: string;
  /** Prefix of every backup in the bucket: namespaces back up as `ns-<id>:<name>`, the namespace list as `<id>-metastore`. */
  databaseId: string;
  /** Longest time a committed write waits before its WAL frames are uploaded (the crash recovery point). */
  batchIntervalSeconds: number;
}

/**
 * The bucket holds two kinds of backup. Bottomless (LIBSQL_BOTTOMLESS_*) backs up each namespace's database, but
 * not the list of namespaces: a primary started on an empty volume would restore only `default`. The meta store
 * backup (SQLD_META_STORE_*, enabled by --backup-meta-store) is that list; restored first at startup, it lets every
 * tenant restore from its own bottomless backup on first use. Both read their settings from the environment, so
 * [env] may hold them for every process group; only the primary's command line turns them on.
 */
export function backupEnv(b: SqldBackupSettings): Record<string, string> {
  const interval = String(b.batchIntervalSeconds);
  return {
    // With namespaces on, sqld refuses to start bottomless without a database id.
    LIBSQL_BOTTOMLESS_ENDPOINT: b.endpoint,
    LIBSQL_BOTTOMLESS_BUCKET: b.bucket,
    LIBSQL_BOTTOMLESS_AWS_DEFAULT_REGION: b.region,
    LIBSQL_BOTTOMLESS_DATABASE_ID: b.databaseId,
    // bottomless/src/replicator.rs Options::from_env: unset means 15 s of acknowledged writes lost on a crash.
    LIBSQL_BOTTOMLESS_BATCH_INTERVAL_SECS: interval,
    // libsql-server/src/main.rs make_meta_store_config: every one of these is required once the backup is on.
    SQLD_META_STORE_BUCKET_ENDPOINT: b.endpoint,
    SQLD_META_STORE_BUCKET_NAME: b.bucket,
    SQLD_META_STORE_REGION: b.region,
    SQLD_META_STORE_BACKUP_ID: metaStoreBackupId(b.databaseId),
    SQLD_META_STORE_BACKUP_INTERVAL_S: interval,
  };
}

/** Never starts with `ns-`, so it cannot collide with a namespace's bottomless id. */
export const metaStoreBackupId = (databaseId: string) => `${databaseId}-metastore`;

/** Fly secret names of the S3 keys: bottomless and the meta store read different variables (values are the same). */
/**
 * The Fly secret sqld reads its encryption-at-rest key from (libsql-server/src/main.rs `Cli::encryption_key`,
 * `#[clap(long, env = "SQLD_ENCRYPTION_KEY")]`, v0.24.32). Set only with `sqld.encryptionAtRest`.
 */
export const SQLD_ENCRYPTION_KEY_SECRET = "SQLD_ENCRYPTION_KEY";

export const BACKUP_SECRET_NAMES = {
  accessKeyId: ["LIBSQL_BOTTOMLESS_AWS_ACCESS_KEY_ID", "SQLD_META_STORE_ACCESS_KEY_ID"],
  // sic: sqld's env name for --meta-store-secret-access-key has no `_KEY` (libsql-server/src/main.rs).
  secretAccessKey: ["LIBSQL_BOTTOMLESS_AWS_SECRET_ACCESS_KEY", "SQLD_META_STORE_SECRET_ACCESS"],
} as const;

export interface SqldFilesArgs {
  /** sqld `--max-active-namespaces`. @default 100 (sqld's own; not rendered) */
  maxActiveNamespaces?: number;
  app: string;
  primaryRegion: string;
  /** Whether any replica region exists (the `replica` process group is only declared then). */
  hasReplicas: boolean;
  primaryVm: { size: string; memoryMb: number };
  replicaVm?: { size: string; memoryMb: number };
  /** Volume size used when Fly creates a volume on its own (first deploy); pre-created volumes keep theirs. */
  initialVolumeGb: number;
  autoStop: FlyAutoStop;
  minMachinesRunning: number;
  backups?: SqldBackupSettings;
}

/** Flags shared by every sqld process; flags with no env equivalent (--enable-namespaces) must be here. */
function commonArgs(maxActiveNamespaces: number): string[] {
  return [
    "--enable-namespaces",
    "--no-welcome",
    "--db-path", `${SQLD_DATA_DIR}/data.sqld`,
    "--http-listen-addr", `[::]:${SQLD_HTTP_PORT}`,
    "--admin-listen-addr", `[::]:${SQLD_ADMIN_PORT}`,
    // Omitted at sqld's own default, so small stacks keep the command line they always had.
    ...(maxActiveNamespaces === SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES ? [] : ["--max-active-namespaces", String(maxActiveNamespaces)]),
  ];
}

/** sqld's `--max-active-namespaces` default (`sqld --help`; libsql-server/src/main.rs). */
export const SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES = 100;

/** The namespaces sqld holds for a stack that creates `created` of them: those plus sqld's own `default`. */
export function sqldHeldNamespaces(created: number): number {
  return created + 1;
}

/**
 * Namespaces sqld should keep open for a stack that creates `namespaces` of them (the plan's count, infra/config/
 * plan.ts): sqld's default while they fit with `default`, else rounded up to a multiple of 500 so that adding a
 * tenant rarely changes the fly.toml (which redeploys sqld).
 */
export function defaultMaxActiveNamespaces(namespaces: number): number {
  const held = sqldHeldNamespaces(namespaces);
  return held <= SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES ? SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES : Math.ceil(held / 500) * 500;
}

export function primaryProcessArgs(backups: boolean, maxActiveNamespaces = SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES): string[] {
  return [
    ...commonArgs(maxActiveNamespaces),
    "--grpc-listen-addr", `[::]:${SQLD_GRPC_PORT}`,
    ...primaryTlsArgs(),
    // Only the writer ships WAL and the namespace list to S3; replicas rebuild from the primary.
    ...(backups ? ["--enable-bottomless-replication", "--backup-meta-store"] : []),
  ];
}

/** Replicas find the primary through Fly's process-group DNS; writes are forwarded there by sqld. */
export function replicaProcessArgs(app: string, maxActiveNamespaces = SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES): string[] {
  return [...commonArgs(maxActiveNamespaces), "--primary-grpc-url", `https://primary.process.${app}.internal:${SQLD_GRPC_PORT}`, ...replicaTlsArgs()];
}

/** fly.toml for the sqld app, rendered with smol-toml so quoting is always valid TOML. */
export function renderSqldFlyToml(a: SqldFilesArgs): string {
  const groups = a.hasReplicas ? ["primary", "replica"] : ["primary"];
  const maxActive = a.maxActiveNamespaces ?? SQLD_DEFAULT_MAX_ACTIVE_NAMESPACES;
  const processes: Record<string, string> = { primary: primaryProcessArgs(Boolean(a.backups), maxActive).join(" ") };
  if (a.hasReplicas) processes.replica = replicaProcessArgs(a.app, maxActive).join(" ");
  const vms = [{ size: a.primaryVm.size, memory: `${a.primaryVm.memoryMb}mb`, processes: ["primary"] }];
  if (a.hasReplicas && a.replicaVm) vms.push({ size: a.replicaVm.size, memory: `${a.replicaVm.memoryMb}mb`, processes: ["replica"] });
  // The metrics relay's IPv4 listen address (infra/sqld/image/metrics-relay.ts): the entrypoint starts it from here.
  const env: Record<string, string> = { RUST_LOG: "info", [METRICS_RELAY_LISTEN_ENV]: METRICS_RELAY_LISTEN_ADDR };
  if (a.backups) Object.assign(env, backupEnv(a.backups));
  const doc = {
    app: a.app,
    primary_region: a.primaryRegion,
    kill_signal: "SIGINT",
    kill_timeout: "30s",
    build: { dockerfile: "Dockerfile" },
    env,
    processes,
    files: Object.values(REPLICATION_TLS_FILES)
      .map((f) => ({ guest_path: f.path, secret_name: f.secret, processes: f.processes.filter((g) => groups.includes(g)) }))
      .filter((f) => f.processes.length > 0),
    mounts: [{ source: SQLD_VOLUME_NAME, destination: SQLD_DATA_DIR, initial_size: `${a.initialVolumeGb}gb`, processes: groups }],
    http_service: {
      internal_port: SQLD_HTTP_PORT,
      force_https: true,
      auto_stop_machines: a.autoStop,
      auto_start_machines: true,
      min_machines_running: a.minMachinesRunning,
      processes: groups,
      checks: [{ grace_period: "10s", interval: "15s", timeout: "2s", method: "GET", path: "/health" }],
    },
    vm: vms,
    // Fly's Prometheus scrapes every machine of these groups every 15 s (superfly/docs metrics-and-logs/metrics;
    // flyctl internal/appconfig/config.go `Metrics`: fly-go `MachineMetrics` port/path/https + processes). The port is
    // the relay's, in no service: Fly's proxy never routes to it.
    metrics: [{ port: METRICS_RELAY_PORT, path: METRICS_PATH, processes: groups }],
  };
  return `# Generated by libsql-stack (infra/sqld/files.ts). Admin ${SQLD_ADMIN_PORT}, gRPC ${SQLD_GRPC_PORT} and metrics ${METRICS_RELAY_PORT} are private on purpose.\n${stringify(doc)}\n`;
}
