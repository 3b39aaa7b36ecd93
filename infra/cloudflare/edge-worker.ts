import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DbMode, SigningMode } from "../../worker/modes";
import { TENANT_DATABASES_PREFIX } from "../../worker/tenant-databases";
import { scriptCommand } from "../command";
import { routeUrl, workersDevSubdomainScripts, workersDevUrl } from "./workers-dev";
import { buildWorkerBundle, WORKER_COMPATIBILITY_DATE, WORKER_COMPATIBILITY_FLAGS, WORKER_ENTRY, writeWorkerBundle } from "./bundle";

/**
 * Where the Worker answers: a hostname of a zone you own (Cloudflare creates DNS and certificate), a route pattern
 * in a zone, or neither (then its workers.dev URL). Both at once is refused by the config rules (`worker.route`)
 * and cannot be expressed here.
 */
export type EdgeWorkerExposure =
  | { customDomain: { hostname: string; zoneId: string }; route?: undefined }
  | { route: { pattern: string; zoneId: string }; customDomain?: undefined }
  | { customDomain?: undefined; route?: undefined };

interface EdgeWorkerSettings {
  /** Cloudflare account id (32 hex digits). */
  accountId: string;
  /** Worker script name. */
  scriptName: string;
  /** Workers compatibility date. @default "2025-09-01" */
  compatibilityDate?: string;
  /** @default ["nodejs_compat"] */
  compatibilityFlags?: string[];
  /** Worker entry module, relative to the project dir. @default "worker/index.ts" */
  entry?: string;
  /** Database URL the Worker talks to (sqld's public URL or `libsql://<turso host>`). */
  dbUrl: pulumi.Input<string>;
  dbMode: DbMode;
  /** PKCS#8 PEM Ed25519 key the Worker signs tenant JWTs with (secret). */
  jwtPrivateKey: pulumi.Input<string>;
  /**
   * Self-hosted: `per-tenant` signs each tenant's tokens with its key derived from `jwtPrivateKey` (sqld must hold
   * those keys: the `sqld-namespaces` step sets them), `shared` with `jwtPrivateKey` itself.
   * @default "shared"
   */
  tenantKeys?: SigningMode;
  /**
   * Self-hosted: sqld's primary region; requests that may write carry `fly-prefer-region: <it>` (the Worker's
   * PRIMARY_REGION binding) so they reach the primary, not the nearest replica. @default unset
   */
  primaryRegion?: string;
  /** Per-tenant keys: versions other than 1 (auth.tenantKeyVersions), the `TENANT_KEY_VERSIONS` json binding. @default {} */
  tenantKeyVersions?: Record<string, number>;
  /**
   * Self-hosted with `sqld.tenantDomain`: where a tenant connects, `{tenant}` for its name (the plan's
   * `sqld.tenantDomain.urlTemplate`, e.g. `libsql://{tenant}.db.example.com`). The `TENANT_URL_TEMPLATE` binding: the
   * token route returns the tenant's URL with its token. @default unset (the token route returns `dbUrl` and the
   * `x-namespace-bin` header to send)
   */
  tenantUrlTemplate?: string;
  /**
   * Managed mode: the JSON texts of the `TENANT_DATABASES_<n>` secret bindings, each tenant's database URL and its
   * full-access and read-only Turso tokens (worker/tenant-databases.ts tenantBindingGroups). Secrets.
   */
  tenantDatabases?: pulumi.Input<string>[];
  /**
   * Self-hosted: the tenants callers may reach (the Worker's `TENANTS` json binding). The gateway fails closed:
   * any other name, `default` included, is "tenant not found", like a tenant whose namespace is missing.
   * @default []
   */
  tenants?: string[];
}

export type EdgeWorkerArgs = EdgeWorkerSettings & EdgeWorkerExposure;

type Binding = cloudflare.types.input.WorkersScriptBinding;

/**
 * The edge gateway: the bundled worker/ as a Workers script with plain-text config and secret_text secrets,
 * a generated gateway API key, and optionally a custom domain or a route.
 */
export class EdgeWorker extends pulumi.ComponentResource {
  readonly scriptName: pulumi.Output<string>;
  /** The key callers send as `Authorization: Bearer <key>` (secret). */
  readonly gatewayApiKey: pulumi.Output<string>;
  /** SHA-256 of the uploaded bundle. */
  readonly bundleSha256: string;
  readonly bundleSizeBytes: number;
  /** Where the gateway answers: the custom domain, the route's host, or else its workers.dev URL. Always set. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: EdgeWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:cloudflare:EdgeWorker", name, {}, opts);
    const bundle = buildWorkerBundle(args.entry ?? WORKER_ENTRY, process.cwd());
    const contentFile = writeWorkerBundle(bundle, `dist/${name}/worker.js`);
    this.bundleSha256 = bundle.sha256;
    this.bundleSizeBytes = bundle.bytes;
    const apiKey = new random.RandomPassword(`${name}-api-key`, { length: 40, special: false }, { parent: this });
    this.gatewayApiKey = pulumi.secret(apiKey.result);

    const secretText = (bindingName: string, value: pulumi.Input<string>): Binding => ({ name: bindingName, type: "secret_text", text: pulumi.secret(value) });
    const bindings: Binding[] = [
      { name: "DB_URL", type: "plain_text", text: args.dbUrl },
      { name: "DB_MODE", type: "plain_text", text: args.dbMode },
      { name: "TENANT_KEYS", type: "plain_text", text: args.tenantKeys ?? "shared" },
      ...(args.primaryRegion ? [{ name: "PRIMARY_REGION", type: "plain_text", text: args.primaryRegion } satisfies Binding] : []),
      ...(args.tenantUrlTemplate ? [{ name: "TENANT_URL_TEMPLATE", type: "plain_text", text: args.tenantUrlTemplate } satisfies Binding] : []),
      secretText("JWT_PRIVATE_KEY", args.jwtPrivateKey),
      secretText("GATEWAY_API_KEY", this.gatewayApiKey),
    ];
    // Sorted: reordering tenants in YAML is not a change of the Worker.
    bindings.push({ name: "TENANTS", type: "json", json: JSON.stringify([...(args.tenants ?? [])].sort()) });
    if (args.tenantKeyVersions && Object.keys(args.tenantKeyVersions).length > 0) {
      bindings.push({ name: "TENANT_KEY_VERSIONS", type: "json", json: JSON.stringify(args.tenantKeyVersions) });
    }
    (args.tenantDatabases ?? []).forEach((text, i) => bindings.push(secretText(`${TENANT_DATABASES_PREFIX}${i}`, text)));

    const script = new cloudflare.WorkersScript(
      `${name}-script`,
      {
        accountId: args.accountId,
        scriptName: args.scriptName,
        mainModule: "worker.js",
        contentFile,
        contentSha256: bundle.sha256,
        compatibilityDate: args.compatibilityDate ?? WORKER_COMPATIBILITY_DATE,
        compatibilityFlags: args.compatibilityFlags ?? WORKER_COMPATIBILITY_FLAGS,
        bindings,
        observability: { enabled: true },
      },
      // Children do not inherit a component's dependsOn (@pulumi/pulumi runtime/resource.js): pass it to the script,
      // whose bindings are what a dependency (e.g. the primary guard) must gate.
      { parent: this, dependsOn: opts?.dependsOn },
    );
    if (args.customDomain) {
      new cloudflare.WorkersCustomDomain(
        `${name}-domain`,
        { accountId: args.accountId, hostname: args.customDomain.hostname, service: script.scriptName, zoneId: args.customDomain.zoneId },
        // A scriptName or zone change replaces the domain (terraform-provider-cloudflare v5.22.0 workers_custom_domain
        // schema.go: service RequiresReplace, zone_id RequiresReplaceIfConfigured). Created first, the new record is the
        // same hostname's record, which the old one's delete then removes: delete first, a short gap instead of none.
        { parent: this, deleteBeforeReplace: true },
      );
    }
    if (args.route) {
      new cloudflare.WorkersRoute(`${name}-route`, { zoneId: args.route.zoneId, pattern: args.route.pattern, script: script.scriptName }, { parent: this });
    }
    this.scriptName = script.scriptName;
    const fixedUrl = args.customDomain ? `https://${args.customDomain.hostname}` : args.route ? routeUrl(args.route.pattern) : undefined;
    if (fixedUrl !== undefined) {
      this.url = pulumi.output(fixedUrl);
    } else {
      // Neither a custom domain nor a route with a concrete host: the workers.dev route is the way in.
      const workersDev = new cloudflare.WorkersScriptSubdomain(
        `${name}-workers-dev`,
        { accountId: args.accountId, scriptName: script.scriptName, enabled: true, previewsEnabled: false },
        { parent: this },
      );
      const subdomain = scriptCommand(
        `${name}-workers-dev-subdomain`,
        { scripts: workersDevSubdomainScripts(args.accountId) },
        { parent: this, dependsOn: [workersDev] },
      );
      this.url = pulumi.all([script.scriptName, subdomain.stdout]).apply(([scriptName, stdout]) => workersDevUrl(scriptName, stdout));
    }
    this.registerOutputs({ scriptName: this.scriptName, bundleSha256: this.bundleSha256, url: this.url });
  }
}
