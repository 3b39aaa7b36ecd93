/**
 * Scenario s: `npm run status` on the prod stack scenario d brought up (real engine, Fly in a box, three real sqld
 * machines, backups to s3rver). Two tenants are written on the primary and read through both replicas; the CLI,
 * run as an operator runs it (its own `pulumi stack output`, `fly machines list`, `fly proxy` sessions), must
 * show three started machines, both tenants grown past an unwritten tenant's size (sqld measures it every 60 s: we
 * wait for it), lag 0 on
 * both replicas, and backup progress; and exit 0. The human screen is printed for the record.
 */
import * as assert from "node:assert/strict";
import { runProcess } from "../../../local/run-process";
import { executeRaw, firstResult, namespaceClient, scopedToken } from "../../../local/sqld/tenant-client";
import type { StackStatus } from "../../../scripts/lib/stack-status";
import type { Scenario } from "../scenario";
import { runningMachines } from "../../support/e2e/local-cloud";
import { PROD_APP } from "./prod";

const WRITTEN = ["acme", "globex"];

const s: Scenario = {
  id: "s status",
  needs: ["d"],
  async run(shared) {
    const { cloud } = shared.prod!;
    const out = await cloud.ws.outputs("prod");
    assert.equal(typeof out.sqldAdminKey, "string", "the stack outputs the admin key (a secret)");
    const machines = runningMachines(cloud).filter((m) => m.app === PROD_APP);
    const primary = machines.find((m) => m.group === "primary")!;
    for (const tenant of WRITTEN) {
      const db = namespaceClient(primary.httpUrl, tenant, await scopedToken(String(out.jwtPrivateKeyPem), tenant, "rw"));
      await db.execute("CREATE TABLE IF NOT EXISTS status_rows (id INTEGER PRIMARY KEY, body TEXT)");
      await db.batch(Array.from({ length: 50 }, (_, i) => ({ sql: "INSERT INTO status_rows (body) VALUES (?)", args: [`${tenant} row ${i} `.repeat(20)] })), "write");
      db.close();
    }
    // sqld replicates a namespace to a replica once it is used there: read each tenant through each replica until
    // the rows are there (a replica that just loaded a namespace may still be fetching it).
    const replicaRetries: string[] = [];
    for (const replica of machines.filter((m) => m.group === "replica")) {
      for (const tenant of WRITTEN) {
        const token = await scopedToken(String(out.jwtPrivateKeyPem), tenant, "ro");
        const deadline = Date.now() + 30_000;
        for (;;) {
          const reply = await executeRaw(replica.httpUrl, "SELECT count(*) FROM status_rows", { token, namespace: tenant });
          if (reply.status === 200 && firstResult(reply)?.type === "ok") break;
          replicaRetries.push(`${replica.region}/${tenant}: HTTP ${reply.status} ${reply.text.slice(0, 200)}`);
          if (Date.now() > deadline) throw new Error(`reading ${tenant} through replica ${replica.region}: HTTP ${reply.status} ${reply.text.slice(0, 300)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
    const status = async (...extra: string[]) => runProcess("npm", ["run", "-s", "status", "--", "--stack", "prod", "--sample", "1", ...extra], { env: cloud.ws.env, cwd: cloud.ws.dir });
    const t0 = Date.now();
    let last: StackStatus | undefined;
    let code: number | null = null;
    let runs = 0;
    // Sizes come from sqld's storage monitor (1 s after a namespace loads, then every 60 s).
    while (Date.now() - t0 < 100_000) {
      const run = await status("--json");
      runs++;
      assert.ok(run.code === 0 || run.code === 1, `status exit ${run.code}: ${run.stderr}`);
      code = run.code;
      last = JSON.parse(run.stdout) as StackStatus;
      // initech was never written: the written tenants must have grown past an empty namespace's size.
      const empty = last.tenants.find((x) => x.name === "initech")!.sizeBytes ?? 0;
      const ready = WRITTEN.every((t) => {
        const tenant = last!.tenants.find((x) => x.name === t)!;
        return (tenant.sizeBytes ?? 0) > empty && tenant.replicas.length === 2 && tenant.replicas.every((r) => r.lagFrames === 0);
      });
      if (ready && code === 0) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    assert.ok(last, "status printed JSON");
    const final: StackStatus = last;
    assert.equal(code, 0, `status exit 0 (healthy); problems: ${final.problems.join("; ")}`);
    assert.deepEqual(final.machines.map((m) => `${m.group}@${m.region}:${m.state}:${m.adminApi}`).sort(), ["primary@ams:started:ok", "replica@iad:started:ok", "replica@sin:started:ok"]);
    const emptySize = final.tenants.find((x) => x.name === "initech")!.sizeBytes;
    assert.ok(emptySize !== null && emptySize > 0, "an empty namespace has a size too (its first page)");
    for (const t of WRITTEN) {
      const tenant = final.tenants.find((x) => x.name === t)!;
      assert.ok((tenant.sizeBytes ?? 0) > emptySize, `${t} grew past an empty namespace (${emptySize} B): ${JSON.stringify(tenant)}`);
      assert.deepEqual(tenant.replicas.map((r) => r.lagFrames), [0, 0], `${t} lag 0 on both replicas`);
      assert.ok(tenant.backup !== null, `${t} has backup progress (bottomless metrics)`);
      // The last upload, listed from the bucket with the credentials of the stack config (pulumi config --show-secrets).
      assert.ok(tenant.backup.lastUploadAt !== null && tenant.backup.lastUploadAgeSeconds! >= 0, `${t} has a last upload in the bucket: ${JSON.stringify(tenant.backup)}`);
    }
    assert.equal(final.backups.configured, true);
    assert.equal(final.backups.note, undefined, "the bucket was listed");
    // Every volume's fill, from df on its machine (fly machine exec).
    assert.deepEqual(final.volumes.filter((v) => v.fillPercent === null).map((v) => `${v.id}: ${v.usageError}`), []);
    const screen = await status();
    assert.equal(screen.code, 0, screen.stderr);
    assert.doesNotMatch(screen.stdout + screen.stderr, new RegExp(String(out.sqldAdminKey)), "the admin key is never printed");
    console.log(screen.stdout);
    const acme = final.tenants.find((x) => x.name === "acme")!;
    if (replicaRetries.length > 0) console.log(`first reads through replicas retried: ${replicaRetries.join(" | ")}`);
    return `healthy after ${((Date.now() - t0) / 1000).toFixed(0)} s (${runs} runs); acme ${acme.sizeBytes} B, frame ${acme.primaryFrame}, lag 0 on 2 replicas`;
  },
};

export const statusScenario = s;
