/**
 * Where the stack's namespace scripts run in tests: the stack's real sqld machines behind the fake flyctl TEST
 * DOUBLE, whose `fly proxy` resolves 6PN names like Fly does, and the environment the `sqld-namespaces` Command gives.
 */
import { makeFakeFlyEnv, type FakeFlyEnv } from "../../../local/doubles/fake-fly/harness";
import { startStackSqld } from "../../../local/sqld/cluster";
import { adminProxyTargets, deployOnFakeFly } from "./fake-fly-app";

export interface NamespaceScriptEnv {
  cluster: Awaited<ReturnType<typeof startStackSqld>>;
  fly: FakeFlyEnv;
  env: NodeJS.ProcessEnv;
  app: string;
  close(): Promise<void>;
}

export async function startNamespaceScriptEnv(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): Promise<NamespaceScriptEnv> {
  const cluster = await startStackSqld(stack, overrides);
  const fly = makeFakeFlyEnv();
  const machines = deployOnFakeFly(cluster.plan, fly, cluster.app, cluster.secrets);
  const env = {
    ...fly.env,
    FAKE_FLY_PROXY_TARGETS: JSON.stringify(adminProxyTargets(machines, cluster)),
    LIBSQL_ADMIN_AUTH_KEY: cluster.keys.adminKey,
    // The operator's run-time consent to delete this app's data (infra/deletion-consent.ts); a test may unset it.
    LIBSQL_STACK_DELETE_DATA: cluster.app,
  };
  return {
    cluster,
    fly,
    env,
    app: cluster.app,
    async close() {
      fly.cleanup();
      await cluster.close();
    },
  };
}
