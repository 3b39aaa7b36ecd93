/**
 * Both sides of a mode switch on real servers, for the copy engine's tests: the dev stack's real sqld with
 * per-tenant keys (local/sqld/tenant-stack.ts) and the box's Turso double, whose databases are real sqld behind TLS
 * (local/box/turso.ts), with one group made.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBox, type Box } from "../../local/box/box";
import { startTenantSqld, type TenantSqld } from "../../local/sqld/tenant-stack";
import type { ManagedTenant, SelfHostedTenant } from "../../scripts/lib/mode-switch/copy-tenant";

const TOKEN = "turso-api-token-for-mode-switch-tests";
export const SWITCH_ORG = "acme-org";
export const SWITCH_GROUP = "tenants";

export interface SwitchSidesFixture {
  box: Box;
  sqld: TenantSqld;
  /** A scratch folder (upload files). */
  dir: string;
  /** The box CA (PEM) the Turso databases answer with. */
  ca: string;
  api: ManagedTenant["api"];
  selfHosted(tenant: string): Promise<SelfHostedTenant>;
  managed(database: string): ManagedTenant;
  close(): Promise<void>;
}

export async function startSwitchSides(tenants: string[], label: string): Promise<SwitchSidesFixture> {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  const box = await startBox({ root: join(dir, "root"), flyStateDir: join(dir, "fly"), turso: { token: TOKEN } });
  const close = async (sqld?: TenantSqld) => {
    await sqld?.close();
    await box.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const group = await fetch(`${box.url}/turso/v1/organizations/${SWITCH_ORG}/groups`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: SWITCH_GROUP, location: "aws-eu-west-1" }),
    });
    if (group.status !== 200) throw new Error(`creating the group: HTTP ${group.status}`);
    const sqld = await startTenantSqld(tenants);
    const ca = readFileSync(box.tursoCaFile!, "utf8");
    const api = { url: `${box.url}/turso`, token: TOKEN, org: SWITCH_ORG };
    return {
      box,
      sqld,
      dir,
      ca,
      api,
      selfHosted: async (tenant) => ({
        endpoint: { url: sqld.cluster.primary.httpUrl, namespace: tenant, token: await sqld.token(tenant, "rw") },
        admin: { endpoint: { url: sqld.cluster.primary.adminUrl }, key: sqld.cluster.keys.adminKey },
      }),
      managed: (database) => ({ api, database, group: SWITCH_GROUP, ca }),
      close: () => close(sqld),
    };
  } catch (error) {
    await close();
    throw error;
  }
}
