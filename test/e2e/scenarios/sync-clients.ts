/**
 * Scenario t (issue 17): the deployed dev stack gets a public tenant domain. `pulumi up` adds the Fly certificate
 * and the two DNS-only CNAMEs (checked in the doubles' state as the real APIs would hold them); from the deployed
 * Worker's token endpoint, two embedded replicas of acme (npm libsql) sync by host name through the box's edge,
 * write, and converge; globex's token cannot sync acme. Then the domain is removed again: the certificate and both
 * records go, so the later scenarios see the repo's dev stack.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { edgeUrl, workerUrl } from "../../support/e2e/local-cloud";
import { gatewayTokenAnswer } from "../../support/e2e/gateway";
import { openEmbeddedReplica } from "../../../local/clients/embedded-replica";
import { repoStackConfig } from "../../../local/workspace";
import { devCloud, DEV_APP } from "./dev";

const DOMAIN = "db.acme-e2e.example";
const ZONE = "fedcba9876543210fedcba9876543210";

const tokenWithUrl = (gateway: string, apiKey: string, tenant: string) => gatewayTokenAnswer(gateway, apiKey, tenant, "rw");

const t: Scenario = {
  id: "t sync-clients",
  needs: ["a"],
  async run(shared) {
    const cloud = devCloud(shared);
    const dev = repoStackConfig("dev");
    const publicUrl = edgeUrl(cloud, DEV_APP);
    const withDomain = { sqld: { ...dev.sqld, publicUrl, tenantDomain: DOMAIN, tenantDomainZoneId: ZONE } };
    cloud.ws.writeStackConfig("dev", withDomain);
    const up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);

    const certs = (cloud.fly.state().apps[DEV_APP]?.certificates ?? []) as { hostname: string }[];
    assert.deepEqual(certs.map((c) => c.hostname), [`*.${DOMAIN}`], "the Fly certificate for the tenant names");
    const records = cloud.box.dnsRecords.list(ZONE).map((r) => [r.type, r.name, r.content, r.proxied] as const);
    assert.equal(records.length, 2, JSON.stringify(records));
    assert.ok(records.some(([type, name, content, proxied]) => type === "CNAME" && name === `*.${DOMAIN}` && content === `${DEV_APP}.fly.dev` && !proxied), JSON.stringify(records));
    assert.ok(records.some(([type, name, , proxied]) => type === "CNAME" && name === `_acme-challenge.${DOMAIN}` && !proxied), JSON.stringify(records));

    const out = await cloud.ws.outputs("dev");
    const gateway = workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName));
    const key = String(out.gatewayApiKey);
    const acme = await tokenWithUrl(gateway, key, "acme");
    const port = Number(new URL(publicUrl).port);
    assert.equal(acme.url, `http://acme.${DOMAIN}:${port}`, "the token endpoint says where acme is");

    const phone = await openEmbeddedReplica({ namespace: "acme", domain: DOMAIN, port, token: acme.token });
    const laptop = await openEmbeddedReplica({ namespace: "acme", domain: DOMAIN, port, token: (await tokenWithUrl(gateway, key, "acme")).token });
    const thief = await openEmbeddedReplica({ namespace: "acme", domain: DOMAIN, port, token: (await tokenWithUrl(gateway, key, "globex")).token });
    try {
      const first = await phone.sync();
      assert.equal(first.ok, true, JSON.stringify(first));
      const before = await phone.execute("SELECT body FROM notes ORDER BY id");
      assert.equal(before.ok, true, JSON.stringify(before));
      const rowsBefore = before.ok ? (before.rows ?? []) : [];
      assert.ok(rowsBefore.some((r) => r[0] === "acme's secret"), `acme's rows did not sync: ${JSON.stringify(before)}`);
      const written = await phone.execute("INSERT INTO notes (body) VALUES ('from the phone')");
      assert.equal(written.ok, true, JSON.stringify(written));
      assert.equal((await laptop.sync()).ok, true);
      assert.deepEqual(await laptop.execute("SELECT body FROM notes ORDER BY id"), { ok: true, rows: [...rowsBefore, ["from the phone"]] });
      const stolen = await thief.sync();
      assert.equal(stolen.ok, false, `globex's token synced acme: ${JSON.stringify(stolen)}`);
      assert.deepEqual(await thief.execute("SELECT name FROM sqlite_master WHERE name = 'notes'"), { ok: true, rows: [] });
    } finally {
      await Promise.all([phone.close(), laptop.close(), thief.close()]);
    }

    cloud.ws.writeStackConfig("dev", { sqld: { ...dev.sqld, publicUrl } });
    await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "dev"]);
    assert.deepEqual(cloud.fly.state().apps[DEV_APP]?.certificates ?? [], [], "the certificate is removed with the domain");
    assert.deepEqual(cloud.box.dnsRecords.list(ZONE), [], "the records are removed with the domain");
    return `up with tenantDomain ${up.seconds.toFixed(1)} s: certificate + 2 DNS-only CNAMEs; two replicas of acme converge by host name; globex's token refused; domain removed cleanly`;
  },
};

export const syncClientsScenario = t;
