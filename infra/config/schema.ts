import { z } from "zod";
import { DB_MODES } from "../../worker/modes";
import { WORKER_COMPATIBILITY_DATE } from "../cloudflare/worker-settings";
import { FLY_AUTO_STOP_MODES, FLY_DEFAULT_ORG, FLY_DEPLOY_STRATEGIES, type FlyDeployStrategy } from "../fly/contract";
import { FLY_APP_PATTERN, TURSO_NAME_PATTERN } from "../shell";
import { DEFAULT_CONCURRENCY } from "../migrations/retries";
import { TURSO_DEFAULT_GROUP, TURSO_DEFAULT_TOKEN_ROTATION } from "../turso/defaults";
import { FLY_VM_SIZES } from "./fly-regions";
import { backupEndpointProblem } from "./backup-endpoint";
import { tenantDomainProblem } from "./tenant-domain";
import { sqldPublicUrlProblem } from "./public-url";

/**
 * The shape of one stack's config (`libsql-stack:<key>` in Pulumi.<stack>.yaml).
 * Field-level rules live here; rules that relate several fields live in rules.ts so each can name its key.
 * Defaults that depend on the stack (prod is protected, prod API deploys blue-green) come from `StackContext`.
 */
export interface StackContext {
  /** Pulumi stack name; `prod` turns on data protection and blue-green API deploys by default. */
  stack: string;
}

/**
 * sqld namespace / tenant names are the Worker's tenant rule, so every configured tenant is one the gateway
 * serves. Fly app and Turso names below use the rules of the script builders that receive them.
 */
export { TENANT_PATTERN as NAMESPACE_PATTERN } from "../../worker/claims";

/** Default recovery point of bottomless backups, in seconds (measured: bench/backups.ts, README "Backups"). */
export const BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS = 1;
export const BACKUP_BATCH_INTERVAL_MAX_SECONDS = 900;

// Blocks whose every field has a default use `.prefault({})`: the empty block is parsed, so each field's default
// below is the only place it is written (a `.default({...})` would repeat them).

const vmSchema = z.strictObject({
  /** Fly Machine preset. @default "shared-cpu-1x" */
  size: z.enum(FLY_VM_SIZES).default("shared-cpu-1x"),
  /** Memory in MB, a multiple of 256. @default 512 */
  memoryMb: z.number().int().min(256).max(131072).multipleOf(256).default(512),
});

const regionSchema = z.strictObject({
  /** Fly region code, e.g. `ams` (checked against infra/config/fly-regions.ts). */
  code: z.string(),
  /** Exactly one region is `primary` (takes writes); the others are read replicas that forward writes. */
  role: z.enum(["primary", "replica"]),
  /** Size of this region's volume in GB (1..500). @default 1 */
  volumeSizeGb: z.number().int().min(1).max(500).default(1),
  /** Machine size hints; also passed to `fly volumes create` so the volume lands on a host with room. */
  vm: vmSchema.prefault({}),
});

const healthCheckSchema = z.strictObject({
  /** HTTP path that answers 200 when the app is ready. */
  path: z.string().startsWith("/"),
  /** @default "10s" */
  interval: z.string().regex(/^\d+(ms|s|m)$/).default("10s"),
  /** @default "2s" */
  timeout: z.string().regex(/^\d+(ms|s|m)$/).default("2s"),
  /** @default "10s" */
  gracePeriod: z.string().regex(/^\d+(ms|s|m)$/).default("10s"),
});

/** `fly deploy` settings of an app without its own `deploy.<app>` block (and the fields' defaults). */
export const DEFAULT_APP_DEPLOY = { strategy: "rolling", waitTimeout: "5m0s" } as const satisfies { strategy: FlyDeployStrategy; waitTimeout: string };

const appDeploySchema = (defaultStrategy: FlyDeployStrategy) =>
  z.strictObject({
    /** `fly deploy --strategy`. @default "rolling" (the API app: "bluegreen" in prod) */
    strategy: z.enum(FLY_DEPLOY_STRATEGIES).default(defaultStrategy),
    /** `fly deploy --wait-timeout`. @default "5m0s" */
    waitTimeout: z.string().regex(/^(\d+h)?(\d+m)?(\d+s)?$/).min(2).default(DEFAULT_APP_DEPLOY.waitTimeout),
  });

function schemaFor(ctx: StackContext) {
  const isProd = ctx.stack === "prod";
  return z.strictObject({
    /** `self-hosted`: sqld on Fly. `managed`: a Turso database. */
    mode: z.enum(DB_MODES),
    /** Fly organisation and the sqld app (self-hosted mode). */
    fly: z
      .strictObject({
        /** @default "personal" */
        org: z.string().min(1).default(FLY_DEFAULT_ORG),
        /** Name of the sqld app (self-hosted mode); becomes `<app>.fly.dev`. */
        app: z.string().regex(FLY_APP_PATTERN, "must be 3-63 lowercase letters, digits or dashes").optional(),
      })
      .optional(),
    /** sqld regions (self-hosted mode); one machine and one volume per region. */
    regions: z.array(regionSchema).default([]),
    sqld: z
      .strictObject({
        /** Retired (chose the sqld image): any value is refused by rules.ts, which says why. */
        image: z.unknown().optional(),
        /** Retired (chose the sqld image): any value is refused by rules.ts, which says why. */
        tag: z.unknown().optional(),
        /** Fly auto stop for idle sqld machines (scale to zero). @default "off" in prod, "stop" elsewhere */
        autoStop: z.enum(FLY_AUTO_STOP_MODES).default(isProd ? "off" : "stop"),
        /** Machines kept running by the Fly proxy. @default 1 in prod, 0 elsewhere */
        minMachinesRunning: z.number().int().min(0).max(100).default(isProd ? 1 : 0),
        /**
         * sqld's `--max-active-namespaces`: namespaces kept open at once. sqld evicts beyond it, and while an
         * evicted namespace closes, sqld 0.24.32 answers requests to that existing namespace with 404/500/BUSY.
         * @default sqld's 100 while the stack manages at most 99 namespaces (tenants + shared), else that count + 1
         * rounded up to a multiple of 500 (so adding one tenant rarely changes fly.toml)
         */
        maxActiveNamespaces: z.number().int().min(1).max(1_000_000).optional(),
        /**
         * Where sqld answers from outside Fly: the gateway Worker, the verify and the migrations Commands use it.
         * Set it when sqld sits behind your own hostname (`fly certs add db.example.com`) or another front door.
         * Must be https; plain http only on a loopback host (127.0.0.1, localhost, [::1]), since tokens travel in it.
         * @default "https://<fly.app>.fly.dev"
         */
        publicUrl: z
          .string()
          .refine((url) => sqldPublicUrlProblem(url) === undefined, { error: (issue) => sqldPublicUrlProblem(String(issue.input)) }).optional(),
        /**
         * Serve each tenant at `<tenant>.<tenantDomain>` (e.g. `db.example.com`): what embedded replicas, drizzle and
         * the SDKs need, since they take the namespace from the host name. `pulumi up` adds Fly's certificate for
         * `*.<tenantDomain>` and the DNS records in Cloudflare. A `*.localhost` domain is local only (the demo).
         * @default none: tenants are reached through the gateway, or with the `x-namespace-bin` header
         */
        tenantDomain: z
          .string()
          .refine((d) => tenantDomainProblem(d) === undefined, { error: (issue) => tenantDomainProblem(String(issue.input)) })
          .optional(),
        /** Cloudflare zone id of `tenantDomain`. @default worker.customDomain.zoneId, else worker.route.zoneId */
        tenantDomainZoneId: z.string().regex(/^[a-f0-9]{32}$/, "must be the 32-hex-digit Cloudflare zone id").optional(),
        /**
         * Encrypt tenant data at rest with sqld's key (`SQLD_ENCRYPTION_KEY`, generated once by the stack, a Fly secret
         * never rotated): namespace files, WAL and replication log on the volume. Not the meta store (namespace names
         * and configs stay plain). Refused with replica regions, backups or managed mode (encryption-at-rest.ts), and
         * switching it on or off for a deployed app is refused before anything changes (README "Encryption at rest").
         * @default false
         */
        encryptionAtRest: z.boolean().default(false),
      })
      // Every setting has a default: a self-hosted stack may omit the block (the binary itself is not configurable).
      .prefault({}),
    /** Tenant namespaces created in sqld (one database each). @default [] */
    tenants: z.array(z.string()).default([]),
    /**
     * Self-hosted: per-tenant size cap and suspension, applied to the tenant's namespace on every `up`, e.g.
     * `{acme: {maxSizeMb: 500}, globex: {suspended: writes, reason: "invoice overdue"}}`. `suspended: writes` refuses
     * writes (reads go on), `all` refuses reads too; callers see the reason. @default {}
     */
    tenantSettings: z
      .record(
        z.string(),
        z.strictObject({
          /** Largest the tenant's database may grow, in MB (10^6 bytes; sqld counts 4 KiB pages, rounding down). */
          maxSizeMb: z.number().int().min(1).max(1_000_000_000).optional(),
          suspended: z.enum(["writes", "all"]).optional(),
          /** Shown to the tenant's callers while suspended. @default "suspended by the operator" */
          reason: z.string().min(1).max(200).regex(/^[^\u0000-\u001f]*$/, "must be one line of printable text").optional(),
        }),
      )
      .default({}),
    deploy: z
      .strictObject({
        sqld: appDeploySchema(DEFAULT_APP_DEPLOY.strategy).prefault({}),
        api: appDeploySchema(isProd ? "bluegreen" : DEFAULT_APP_DEPLOY.strategy).optional(),
      })
      .prefault({}),
    dataProtection: z
      .strictObject({
        /** Protect stateful resources (volumes, sqld app, namespaces, Turso DB). @default true in prod, else false */
        protect: z.boolean().default(isProd),
        /** Allow `pulumi destroy` to destroy sqld volumes (data loss). @default false */
        allowVolumeDeletion: z.boolean().default(false),
        /** Allow removing a tenant from config to delete its namespace (data loss). @default false */
        allowNamespaceDeletion: z.boolean().default(false),
        /** Managed mode: allow `pulumi destroy` to delete the Turso database (data loss). @default false */
        allowDatabaseDeletion: z.boolean().default(false),
      })
      .prefault({}),
    /** Key rotation: bump a version to replace that key on the next `up`. */
    auth: z
      .strictObject({
        /** Ed25519 JWT signing key generation. @default 1 */
        signingKeyVersion: z.number().int().min(1).default(1),
        /**
         * Newest signing-key generation retired. After a `signingKeyVersion` bump the previous key keeps verifying
         * (sqld accepts both, the new one signs) until this reaches `signingKeyVersion - 1` (README "Rotating the
         * signing key"). @default 0
         */
        retiredSigningKeyVersion: z.number().int().min(0).default(0),
        /** sqld admin key generation. @default 1 */
        adminKeyVersion: z.number().int().min(1).default(1),
        /**
         * Self-hosted: sign each tenant's tokens with its own key derived from the signing key, set as that
         * namespace's key in sqld, so no tenant's token reaches another tenant by any protocol (README "Tenant
         * signing keys"). `false` shares one key: any tenant's token can then sync every tenant's data.
         * @default true
         */
        tenantKeys: z.boolean().optional(),
        /**
         * Revoke one tenant's outstanding tokens: bump its key version (e.g. `{acme: 2}`). The next `up` derives a
         * new key for that tenant, sets it in sqld and the gateway; every token of the old version fails at once,
         * other tenants are untouched. Needs per-tenant keys. @default {} (every tenant at version 1)
         */
        tenantKeyVersions: z.record(z.string(), z.number().int().min(1).max(1_000_000)).default({}),
      })
      .prefault({}),
    /** The Cloudflare Worker gateway. */
    worker: z
      .strictObject({
        /** Cloudflare account id. */
        accountId: z.string().regex(/^[a-f0-9]{32}$/, "must be the 32-hex-digit Cloudflare account id"),
        /** @default "<fly app or turso database>-gateway" */
        scriptName: z.string().regex(/^[a-z0-9][a-z0-9-_]{0,62}$/).optional(),
        /** @default "2025-09-01" */
        compatibilityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default(WORKER_COMPATIBILITY_DATE),
        customDomain: z.strictObject({ hostname: z.string().min(3), zoneId: z.string().regex(/^[a-f0-9]{32}$/) }).optional(),
        route: z.strictObject({ pattern: z.string().min(3), zoneId: z.string().regex(/^[a-f0-9]{32}$/) }).optional(),
      })
      .optional(),
    /** Managed mode: the Turso database. */
    turso: z
      .strictObject({
        org: z.string().min(1),
        /** @default "default" */
        group: z.string().regex(TURSO_NAME_PATTERN).default(TURSO_DEFAULT_GROUP),
        /** Turso location code for the group, e.g. `aws-eu-west-1` (listed by GET /v1/locations). */
        location: z.string().min(2),
        database: z.string().regex(TURSO_NAME_PATTERN),
        /** Change this value to rotate the database token; the token is otherwise kept across `up`s. @default "1" */
        tokenRotation: z.string().min(1).default(TURSO_DEFAULT_TOKEN_ROTATION),
      })
      .optional(),
    /** Optional stateless API app on Fly, deployed with `deploy.api.strategy`. */
    api: z
      .strictObject({
        app: z.string().regex(FLY_APP_PATTERN, "must be 3-63 lowercase letters, digits or dashes"),
        /** A pre-built image, or `dockerfile` (+ `context`) built by `fly deploy`. */
        image: z.string().min(1).optional(),
        dockerfile: z.string().min(1).optional(),
        /** Build context directory for `dockerfile`. @default "." */
        context: z.string().min(1).default("."),
        /** Regions for the API machines; the first is primary_region. */
        regions: z.array(z.string()).min(1),
        /** @default 8080 */
        internalPort: z.number().int().min(1).max(65535).default(8080),
        healthCheck: healthCheckSchema.optional(),
        /** @default 1 */
        minMachines: z.number().int().min(0).max(100).default(1),
        /** @default "stop" */
        autoStop: z.enum(FLY_AUTO_STOP_MODES).default("stop"),
      })
      .optional(),
    /** sqld bottomless backups to S3-compatible storage (keys are secret config: backupAccessKeyId/backupSecretAccessKey). */
    backups: z
      .strictObject({
        /** S3 endpoint: https (http only on loopback), no credentials, no query or fragment (backup-endpoint.ts). */
        endpoint: z.string().refine((url) => backupEndpointProblem(url) === undefined, {
          error: (issue) => backupEndpointProblem(String(issue.input)),
        }),
        bucket: z.string().min(3),
        /** @default "auto" */
        region: z.string().min(1).default("auto"),
        /** LIBSQL_BOTTOMLESS_DATABASE_ID; required because namespaces are on. @default the sqld app name */
        databaseId: z.string().min(1).optional(),
        /**
         * Longest wait, in seconds, before committed writes (and namespace creations) are uploaded: the recovery
         * point if the primary's volume is lost after a crash. Each busy namespace uploads at most once per interval,
         * so a shorter interval costs more S3 write requests. sqld's own default (unset) is 15.
         * @default 1 (BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS)
         */
        batchIntervalSeconds: z
          .number()
          .int("must be a whole number of seconds")
          .min(1, "must be at least 1 (0 would make sqld's uploader spin)")
          .max(BACKUP_BATCH_INTERVAL_MAX_SECONDS, `must be at most ${BACKUP_BATCH_INTERVAL_MAX_SECONDS} (a longer interval only widens the window of lost writes)`)
          .default(BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS),
      })
      .optional(),
    /** Tenant schema migrations, applied before the API app deploys (README "Schema migrations"). */
    migrations: z
      .strictObject({
        /**
         * Directory of `NNNN_name.sql` files for every tenant namespace (managed mode: the database), relative to
         * Pulumi.yaml. @default "migrations" (no migrations when that directory does not exist)
         */
        dir: z.string().min(1).optional(),
        /** Namespaces that are not tenants, each with its own files, e.g. `{namespace: streams, dir: migrations/streams}`. @default [] */
        shared: z.array(z.strictObject({ namespace: z.string(), dir: z.string().min(1) })).default([]),
        /** How many namespaces are migrated at once. @default 8 */
        concurrency: z.number().int().min(1).max(64).default(DEFAULT_CONCURRENCY),
      })
      .optional(),
    /** Secret: Turso Platform API token (or set TURSO_API_TOKEN in the environment). */
    tursoApiToken: z.string().min(1).optional(),
    /** Secret: S3 access key id for backups. */
    backupAccessKeyId: z.string().min(1).optional(),
    /** Secret: S3 secret access key for backups. */
    backupSecretAccessKey: z.string().min(1).optional(),
  });
}

/** Keys whose values are credentials: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["tursoApiToken", "backupAccessKeyId", "backupSecretAccessKey"] as const;

export const stackConfigSchema = schemaFor;
/**
 * The config as the schema checked it, before the rules that relate fields (rules.ts): `fly` may still be missing
 * in self-hosted mode. Once the rules pass, it is narrowed to a StackConfig (stack-config.ts).
 */
export type ConfigShape = z.output<ReturnType<typeof schemaFor>>;
export type WorkerConfig = NonNullable<ConfigShape["worker"]>;
export type FlyConfig = NonNullable<ConfigShape["fly"]>;
export type TursoConfig = NonNullable<ConfigShape["turso"]>;
