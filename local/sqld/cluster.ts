/**
 * A stack's sqld machines as real sqld processes on 127.0.0.1: the primary and one replica per replica region,
 * each started from the stack's own rendered fly.toml (process group command line, [env]) and the secret names
 * its secrets Command sets. Test keys stand in for the generated ones (same formats as StackKeys produces).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { SQLD_GRPC_PORT } from "../../infra/sqld/files";
import type { Plan } from "../../scripts/lib/plan-runner";
import { byName, planStack, stackConfigWith } from "../plan";
import { machineSpec, readFlyToml, throughEntrypoint, writeMachineFiles, type MachineSpec } from "./machine";
import { freePort, logFileIn, SqldProcess } from "./process";
import { makeTestReplicationTls, replicationTlsSecrets, type TestReplicationTls } from "./tls";

export interface TestKeys {
  /** PKCS#8 PEM (what the Worker and the token CLI sign with). */
  privateKeyPem: string;
  publicKeyPem: string;
  /** Raw public key, unpadded base64url: the SQLD_AUTH_JWT_KEY secret. */
  sqldJwtKey: string;
  adminKey: string;
}

export function generateTestKeys(): TestKeys {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    sqldJwtKey: publicKey.export({ format: "jwk" }).x!,
    adminKey: randomBytes(24).toString("hex"),
  };
}

export interface SqldMachine {
  group: string;
  region: string;
  spec: MachineSpec;
  process: SqldProcess;
  /** Local directory standing for the machine's volume. */
  dataDir: string;
  httpUrl: string;
  adminUrl: string;
  /** `127.0.0.1:PORT` of the primary's gRPC listener (primary only). */
  grpcAddress?: string;
}

export interface LocalSqldCluster {
  app: string;
  keys: TestKeys;
  primary: SqldMachine;
  replicas: SqldMachine[];
  /** sqld admin API call with `Authorization: Basic <key>` (the literal key, as sqld expects). */
  admin(machine: SqldMachine, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }>;
  /**
   * Start one more machine of `group` in `region` from the same fly.toml, with some secrets replaced (e.g. a
   * replica holding a certificate from another CA). It is not added to `replicas`; close() ends it too.
   */
  addMachine(group: string, region: string, secretOverrides?: Record<string, string>): Promise<SqldMachine>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  flyToml: string;
  /** Every secret the stack sets, by name → value. */
  secrets: Record<string, string>;
  keys: TestKeys;
  replicaRegions?: string[];
  /** Extra path prefixes inside the machine → local dirs (files written from secrets). */
  paths?: (machineDir: string) => Record<string, string>;
  /** Runs before each machine starts, e.g. to write files the machine expects. */
  prepare?: (machineDir: string, group: string) => void;
}

/** Tries of startMachine when a port freePort picked was taken before sqld bound it (another test process's). */
const PORT_RACE_TRIES = 3;

/**
 * One machine, on fresh ports: freePort's port is free when picked, but a test process running alongside may bind it
 * before sqld does ("Address already in use", seen once in CI); then the machine starts again on other ports.
 */
async function startMachine(o: ClusterOptions, root: string, group: string, region: string, internalHosts: Record<string, string>): Promise<SqldMachine> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMachineOnce(o, root, group, region, internalHosts);
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes("Address already in use");
      if (!portTaken || attempt >= PORT_RACE_TRIES) throw error;
    }
  }
}

async function startMachineOnce(o: ClusterOptions, root: string, group: string, region: string, internalHosts: Record<string, string>): Promise<SqldMachine> {
  const dir = mkdtempSync(join(root, `${group}-${region}-`));
  const dataDir = join(dir, "volume");
  o.prepare?.(dir, group);
  const files = writeMachineFiles(o.flyToml, group, o.secrets, join(dir, "files"));
  const spec = await machineSpec(o.flyToml, group, o.secrets, { region, dataDir, paths: { ...files, ...o.paths?.(dir) }, internalHosts, freePort });
  const port = (flag: string) => {
    const found = spec.ports[flag];
    if (found === undefined) throw new Error(`process group ${group} has no ${flag}`);
    return found;
  };
  const httpUrl = `http://127.0.0.1:${port("--http-listen-addr")}`;
  const adminUrl = `http://127.0.0.1:${port("--admin-listen-addr")}`;
  const paths = [dataDir, ...Object.values(files).map((file) => dirname(file)), ...Object.values(o.paths?.(dir) ?? {})];
  const start = throughEntrypoint(dir, spec, paths);
  const proc = new SqldProcess({ ...start, env: spec.env, logFile: logFileIn(dir), readyUrl: [`${httpUrl}/health`, adminUrl], cwd: dataDir });
  await proc.start();
  const grpc = spec.ports["--grpc-listen-addr"];
  return { group, region, spec, process: proc, dataDir, httpUrl, adminUrl, grpcAddress: grpc === undefined ? undefined : `127.0.0.1:${grpc}` };
}

/** Start the primary, then every replica pointed at it through the name the fly.toml uses. */
export async function startSqldCluster(o: ClusterOptions): Promise<LocalSqldCluster> {
  const flyToml = readFlyToml(o.flyToml);
  const root = mkdtempSync(join(tmpdir(), "libsql-stack-sqld-"));
  const machines: SqldMachine[] = [];
  const close = async () => {
    await Promise.all(machines.map((m) => m.process.stop("SIGKILL")));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const primary = await startMachine(o, root, "primary", flyToml.primary_region, {});
    machines.push(primary);
    const internalHosts = { [`primary.process.${flyToml.app}.internal:${SQLD_GRPC_PORT}`]: primary.grpcAddress! };
    for (const region of o.replicaRegions ?? []) machines.push(await startMachine(o, root, "replica", region, internalHosts));
    return {
      app: flyToml.app,
      keys: o.keys,
      primary,
      replicas: machines.slice(1),
      async admin(machine, method, path, body) {
        const headers: Record<string, string> = { authorization: `Basic ${o.keys.adminKey}` };
        if (body !== undefined) headers["content-type"] = "application/json";
        const response = await fetch(`${machine.adminUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: response.status, text: await response.text() };
      },
      async addMachine(group, region, secretOverrides = {}) {
        const machine = await startMachine({ ...o, secrets: { ...o.secrets, ...secretOverrides } }, root, group, region, internalHosts);
        machines.push(machine);
        return machine;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** fly.toml with extra `[env]` entries: for settings the stack does not render (experiments, benchmarks). */
export function withEnv(flyToml: string, extra: Record<string, string>): string {
  const doc = parseToml(flyToml) as { env?: Record<string, string> };
  doc.env = { ...doc.env, ...extra };
  return stringifyToml(doc);
}

/** Secret names the stack's `sqld-secrets` Command manages (its delete script unsets exactly those). */
export function secretNamesOf(deleteScript: string): string[] {
  const match = /fly secrets unset ([A-Z0-9_ ]+) -a/.exec(deleteScript);
  if (!match) throw new Error("sqld-secrets has no `fly secrets unset` line");
  return match[1]!.trim().split(/\s+/);
}

/**
 * A test value for every secret the plan's `sqld-secrets` Command sets: the test keys, the replication TLS
 * secrets and `extraSecrets`; a secret none of them covers is an error rather than a made-up value.
 */
export function stackSecretValues(plan: Plan, keys: TestKeys, tls: TestReplicationTls, extraSecrets: Record<string, string> = {}): Record<string, string> {
  const known: Record<string, string> = { LIBSQL_ADMIN_AUTH_KEY: keys.adminKey, SQLD_AUTH_JWT_KEY: keys.sqldJwtKey, ...replicationTlsSecrets(tls), ...extraSecrets };
  const secrets: Record<string, string> = {};
  for (const name of secretNamesOf(String(byName(plan, "sqld-secrets").inputs.delete))) {
    const value = known[name];
    if (value === undefined) throw new Error(`the stack sets secret ${name}: pass a test value in extraSecrets`);
    secrets[name] = value;
  }
  return secrets;
}

/**
 * Plan a stack (Pulumi.<stack>.yaml with overrides), then run its sqld machines locally. Secrets whose value is
 * not a test key must come in `extraSecrets` (e.g. S3 keys), or this refuses rather than start a different server.
 */
export async function startStackSqld(
  stack: string,
  overrides: Record<string, unknown> = {},
  options: {
    extraSecrets?: Record<string, string>;
    keys?: TestKeys;
    tls?: TestReplicationTls;
    /** @default Pulumi.<stack>.yaml */
    file?: string;
    /** Edit the planned fly.toml before it runs: reproduce an earlier rendering (drop a flag), or add [env] with withEnv. */
    editFlyToml?: (flyToml: string) => string;
  } & Pick<ClusterOptions, "paths" | "prepare"> = {},
): Promise<LocalSqldCluster & { flyToml: string; plan: Plan; secrets: Record<string, string>; tls: TestReplicationTls }> {
  const plan = await planStack(stack, overrides, options.file);
  const planned = String((byName(plan, "sqld-deploy").inputs.environment as Record<string, unknown>).FLY_TOML);
  const flyToml = options.editFlyToml ? options.editFlyToml(planned) : planned;
  const keys = options.keys ?? generateTestKeys();
  const tls = options.tls ?? (await makeTestReplicationTls());
  const secrets = stackSecretValues(plan, keys, tls, options.extraSecrets);
  const regions = JSON.parse(stackConfigWith(stack, overrides, options.file).config["libsql-stack:regions"] ?? "[]") as { code: string; role: string }[];
  const replicaRegions = regions.filter((r) => r.role === "replica").map((r) => r.code);
  const cluster = await startSqldCluster({ flyToml, secrets, keys, replicaRegions, paths: options.paths, prepare: options.prepare });
  return { ...cluster, flyToml, plan, secrets, tls };
}
