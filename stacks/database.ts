import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { StackKeys } from "../infra/auth";
import { mintServiceToken } from "../infra/auth/service-token";
import type { ManagedPlan, SelfHostedPlan, StackConfig, StackSecrets } from "../infra/config";
import { SqldCluster } from "../infra/sqld/cluster";
import { createSqldNamespaces } from "../infra/sqld/namespaces";
import { TenantDomain } from "../infra/sqld/tenant-domain";
import { TursoDatabases } from "../infra/turso";
import { tenantBindingGroups, tenantDatabasesText } from "../worker/tenant-databases";

/** What the rest of the stack needs to know about the database, whichever mode made it. */
export interface Database {
  /** Public URL for the Worker and the post-deploy check. */
  publicUrl: pulumi.Output<string>;
  /** URL for the Fly API app (6PN for sqld, the Turso URL otherwise). */
  serviceUrl: pulumi.Output<string>;
  /** Token for the Fly API app (secret). */
  serviceToken: pulumi.Output<string>;
  /**
   * Managed mode: each tenant's database URL and its full-access and read-only Turso tokens: the JSON texts of the
   * Worker's TENANT_DATABASES_<n> bindings (worker/tenant-databases.ts), secrets.
   */
  workerTenantDatabases?: pulumi.Output<string>[];
  /**
   * Managed mode: every database (tenants and shared), JSON `{<name>: {url, token}}` with its full-access token,
   * keys sorted: the migrations Command's DATABASE_TARGETS, the API app's TENANT_DATABASES and the stack output
   * `tursoDatabases` (`npm run migrate -- --stack`). Secret.
   */
  databaseTargets?: pulumi.Output<string>;
  /** Resources that must exist before the database answers (rollout, namespaces). */
  ready: pulumi.Resource[];
  /** Checks that must pass before anything outside the database that encodes its topology changes. */
  topologyGuard: pulumi.Resource[];
  /** Changes whenever a rollout changes what runs, so the post-deploy check runs again. */
  rolloutDigest: string;
  /** Namespace the post-deploy check queries (self-hosted: the first tenant, else `default`; "" for managed). */
  checkNamespace: string;
}

const digest = (...parts: string[]) => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);

/**
 * Self-hosted: sqld on Fly with the stack's keys, plus every namespace of the plan: the tenants, the shared ones,
 * and the migrator's ledger and canary when the stack has migrations.
 */
export function selfHostedDatabase(plan: SelfHostedPlan, dataProtection: StackConfig["dataProtection"], secrets: StackSecrets, keys: StackKeys): Database {
  const { sqld, namespaces } = plan;
  const adminKey = keys.adminKey;
  if (!adminKey) throw new pulumi.ResourceError("a self-hosted stack needs sqld's admin key: create StackKeys with withAdminKey", keys);
  if (sqld.encryptionAtRest !== (keys.encryption !== undefined)) throw new pulumi.ResourceError("sqld.encryptionAtRest needs StackKeys made with encryptionKey (and only then)", keys);
  const cluster = new SqldCluster("sqld", {
    maxActiveNamespaces: sqld.maxActiveNamespaces,
    app: sqld.app,
    org: sqld.org,
    publicUrl: sqld.publicUrl,
    topology: sqld.topology,
    strategy: sqld.deploy.strategy,
    waitTimeout: sqld.deploy.waitTimeout,
    autoStop: sqld.autoStop,
    minMachinesRunning: sqld.minMachinesRunning,
    adminKey,
    jwtKey: keys.sqldJwtKey,
    protectData: dataProtection.protect,
    allowVolumeDeletion: dataProtection.allowVolumeDeletion,
    // The rules require the S3 key pair whenever backups are on.
    backups: sqld.backups && secrets.backups && { ...sqld.backups, ...secrets.backups },
    ...(keys.encryption && { encryption: keys.encryption }),
  });
  // A public tenant domain (with its zone) gets a Fly certificate and Cloudflare DNS; a local `*.localhost` one has
  // no zone and needs neither (the box routes it: local/box/README.md).
  const tenantDomain = sqld.tenantDomain;
  if (tenantDomain?.zoneId !== undefined) {
    new TenantDomain("sqld-tenant-domain", { app: sqld.app, domain: tenantDomain.domain, zoneId: tenantDomain.zoneId, after: [cluster.publicIps] }, { parent: cluster });
  }
  // Always in the program, even with no namespace: a protected resource that leaves the program makes `up`
  // fail ("marked for protection"), and removing tenants is the script's job (its keep/delete logic diffs the
  // previous stdout against NAMESPACES, whatever the list length). Shared namespaces (migrations.shared) are
  // created like tenants; the API app's token reaches them too. The migrator's ledger and canary are created here
  // as well (they must exist before the migrations Command), but no token outside the migrator reaches them.
  const protect = dataProtection.protect;
  const namespaceCommand = createSqldNamespaces(
    "sqld-namespaces",
    {
      app: sqld.app,
      namespaces: namespaces.all,
      adminKey,
      allowDeletion: dataProtection.allowNamespaceDeletion,
      tenantKeys: { mode: plan.tenantKeys.mode, tenants: namespaces.tenants, signingKey: keys.jwtPrivateKeyPem, previousSigningKey: keys.previousJwtPrivateKeyPem, versions: plan.tenantKeys.versions, settings: sqld.tenantSettings },
    },
    { parent: cluster, dependsOn: cluster.ready, protect, retainOnDelete: protect },
  );
  return {
    publicUrl: cluster.publicUrl,
    serviceUrl: cluster.privateUrl,
    serviceToken: pulumi.secret(keys.jwtPrivateKeyPem.apply((pem) => mintServiceToken(pem, namespaces.served))),
    ready: [...cluster.ready, namespaceCommand],
    // A refused encryption change must leave everything as it was, the Worker included.
    topologyGuard: [cluster.primaryGuard, cluster.encryptionGuard],
    rolloutDigest: digest(cluster.flyToml, cluster.dockerfile),
    checkNamespace: plan.checkNamespace,
  };
}

/**
 * Managed: a Turso database per tenant and per shared namespace; their tokens are minted once and kept until
 * `turso.tokenRotation` changes. The Worker gets each tenant's URL and tokens, packed into secret bindings.
 * `databasesAfter`: what the database Commands wait for besides the group (a mode switch: stacks/mode-switch.ts).
 */
export function managedDatabase(plan: ManagedPlan, dataProtection: StackConfig["dataProtection"], secrets: StackSecrets, databasesAfter?: (group: pulumi.Resource) => pulumi.Resource[]): Database {
  const { turso } = plan;
  const component = new TursoDatabases("turso", {
    org: turso.org,
    group: turso.group,
    location: turso.location,
    databases: plan.databases.map(({ tenant, name }) => ({ tenant, name })),
    tokenRotation: turso.tokenRotation,
    protect: dataProtection.protect,
    allowDeletion: dataProtection.allowDatabaseDeletion,
    apiToken: secrets.tursoApiToken,
    ...(databasesAfter && { databasesAfter }),
  });
  // The post-deploy check and the API app use the first database: `default` on a stack without tenants.
  const first = component.databases[plan.databases[0]!.tenant]!;
  const served = plan.databases.filter((d) => d.kind === "tenant").map((d) => d.tenant);
  const entry = (t: string) => {
    const d = component.databases[t]!;
    return pulumi.all([d.url, d.token, d.readToken]).apply(([url, rw, ro]) => ({ url, rw, ro }));
  };
  // One secret text per binding; the grouping is fixed by the tenant list, so the preview shows every binding.
  const workerTenantDatabases = tenantBindingGroups(served).map((group) =>
    pulumi.secret(pulumi.all(group.map(entry)).apply((list) => tenantDatabasesText(Object.fromEntries(list.map((e, i) => [group[i]!, e]))))),
  );
  // Sorted: reordering tenants in YAML changes no input, so it neither re-runs migrations nor restarts the API app.
  const all = plan.databases.map((d) => d.tenant).sort();
  const databaseTargets = pulumi.secret(
    pulumi.all(all.map((t) => pulumi.all([component.databases[t]!.url, component.databases[t]!.token]))).apply((list) =>
      JSON.stringify(Object.fromEntries(list.map(([url, token], i) => [all[i]!, { url, token }]))),
    ),
  );
  return {
    databaseTargets,
    publicUrl: first.url,
    serviceUrl: first.url,
    serviceToken: first.token,
    workerTenantDatabases,
    ready: [component],
    topologyGuard: [],
    rolloutDigest: digest(turso.org, ...plan.databases.map((d) => d.name), turso.tokenRotation),
    checkNamespace: "",
  };
}
