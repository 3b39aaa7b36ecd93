/**
 * sqld keeps at most --max-active-namespaces namespaces open (default 100) and answers requests to an existing
 * namespace it is evicting with 404/500/BUSY (seen on sqld 0.24.32 by the migrations bench). The stack raises the
 * limit with the number of namespaces it manages; the real binary accepts the rendered command line and serves
 * every tenant of a 150-tenant stack through two rounds of queries. (A limit set below the count is refused by
 * the config rules: test/config/invalid-configs.test.ts.)
 */
import { afterAll, describe, expect, it } from "vitest";
import { defaultMaxActiveNamespaces } from "../../infra/sqld/files";
import { startStackSqld } from "../../local/sqld/cluster";
import { processCommand, readFlyToml } from "../../local/sqld/machine";
import { createNamespaces, namespaceClient, scopedToken } from "../../local/sqld/tenant-client";

describe("defaultMaxActiveNamespaces", () => {
  it("keeps sqld's 100 while tenants + default fit, then rounds up to a multiple of 500", () => {
    expect(defaultMaxActiveNamespaces(0)).toBe(100);
    expect(defaultMaxActiveNamespaces(99)).toBe(100);
    expect(defaultMaxActiveNamespaces(100)).toBe(500);
    expect(defaultMaxActiveNamespaces(499)).toBe(500);
    expect(defaultMaxActiveNamespaces(500)).toBe(1000);
  });
});

describe("a 150-tenant stack on real sqld", () => {
  const tenants = Array.from({ length: 150 }, (_, i) => `t${String(i).padStart(3, "0")}`);
  let cluster: Awaited<ReturnType<typeof startStackSqld>> | undefined;
  afterAll(() => cluster?.close());

  it("renders --max-active-namespaces 500, which sqld accepts, and every tenant answers in two rounds", async () => {
    cluster = await startStackSqld("dev", { tenants });
    const words = processCommand(readFlyToml(cluster.flyToml), "primary");
    expect(words[words.indexOf("--max-active-namespaces") + 1]).toBe("500");
    await createNamespaces(cluster, tenants);
    const failures: string[] = [];
    for (const round of [1, 2]) {
      for (const tenant of tenants) {
        const client = namespaceClient(cluster.primary.httpUrl, tenant, await scopedToken(cluster.keys.privateKeyPem, tenant, "rw"));
        try {
          await client.execute(round === 1 ? "create table t (x)" : "select count(*) from t");
        } catch (error) {
          failures.push(`${tenant} round ${round}: ${(error as Error).message}`);
        } finally {
          client.close();
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
