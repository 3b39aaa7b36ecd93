/**
 * Operator-side token minting: the same claims and signing code as the Worker (worker/claims.ts,
 * worker/jwt.ts), so a token from `npm run token` is indistinguishable from one the gateway mints.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isAccess, isValidTenant, TENANT_PATTERN, TOKEN_TTL_SECONDS, ttlProblem, type Access } from "../../worker/claims";
import { tenantConnection, urlTemplateProblem, type TenantConnection } from "../../worker/connect";
import { parseCliFlags, UsageError } from "./cli-flags";

export { UsageError } from "./cli-flags";
import { mintScopedToken, type MintedToken, type SigningMode } from "../../worker/jwt";

export const TOKEN_USAGE = `usage: npm run -s token -- --stack <stack> --tenant <name> --access ro|rw [--ttl <seconds>] [--json] [--key-file <pem>] [--url <url>] [--tenant-keys per-tenant|shared] [--key-version <n>]
  --stack     Pulumi stack whose jwtPrivateKeyPem output signs the token (not needed with --key-file)
  --tenant    tenant / sqld namespace, ${TENANT_PATTERN.source}
  --access    ro (read-only) or rw (read-write)
  --ttl       lifetime in seconds, ${TOKEN_TTL_SECONDS.min}..${TOKEN_TTL_SECONDS.max} (default ${TOKEN_TTL_SECONDS.default})
  --json      print {token, expiresAt, url[, namespaceHeader, note]} as the gateway's token route answers
              (default: the token alone on stdout, where to connect on stderr)
  --key-file  PKCS#8 PEM Ed25519 private key to sign with instead of the stack output
  --url       where the token is used: a tenant URL template (libsql://{tenant}.db.example.com) or sqld's URL.
              Default: the stack's tenantUrlTemplate output, else its databaseUrl (none with --key-file alone)
  --tenant-keys  per-tenant: sign with the tenant's key derived from that key (what the stack sets in sqld);
              shared: with the key itself. Default: the stack's tenantKeys output with --stack, shared with --key-file
  --key-version  the tenant's key version with per-tenant keys. Default: the stack's tenantKeyVersions output, else 1`;

export interface TokenCliArgs {
  stack?: string;
  tenant: string;
  access: Access;
  ttlSeconds: number;
  keyFile?: string;
  tenantKeys?: SigningMode;
  keyVersion?: number;
  json?: boolean;
  /** --url: a template holding {tenant}, or sqld's URL. */
  url?: string;
}

export function parseTokenArgs(argv: string[]): TokenCliArgs {
  const values = parseCliFlags(argv, {
    stack: { type: "string" },
    tenant: { type: "string" },
    access: { type: "string" },
    ttl: { type: "string" },
    "key-file": { type: "string" },
    "tenant-keys": { type: "string" },
    "key-version": { type: "string" },
    json: { type: "boolean" },
    url: { type: "string" },
  });
  const tenant = values.tenant as string | undefined;
  if (tenant === undefined) throw new UsageError("--tenant is required");
  if (!isValidTenant(tenant)) throw new UsageError(`invalid --tenant ${JSON.stringify(tenant)}: must match ${TENANT_PATTERN.source}`);
  const access = values.access as string | undefined;
  if (access === undefined) throw new UsageError("--access is required (ro or rw)");
  if (!isAccess(access)) throw new UsageError(`invalid --access ${JSON.stringify(access)}: use ro or rw`);
  const ttlText = (values.ttl as string | undefined) ?? String(TOKEN_TTL_SECONDS.default);
  if (!/^\d+$/.test(ttlText)) throw new UsageError(`invalid --ttl ${JSON.stringify(ttlText)}: expected whole seconds`);
  const ttlSeconds = Number(ttlText);
  const problem = ttlProblem(ttlSeconds);
  if (problem) throw new UsageError(`invalid --ttl: ${problem.replace("ttlSeconds", "ttl")}`);
  const stack = values.stack as string | undefined;
  const keyFile = values["key-file"] as string | undefined;
  if (stack !== undefined && !/^[A-Za-z0-9._/-]+$/.test(stack)) throw new UsageError(`invalid --stack ${JSON.stringify(stack)}`);
  if (stack === undefined && keyFile === undefined) throw new UsageError("--stack is required (or pass --key-file)");
  const tenantKeys = values["tenant-keys"] as string | undefined;
  if (tenantKeys !== undefined && tenantKeys !== "per-tenant" && tenantKeys !== "shared") {
    throw new UsageError(`invalid --tenant-keys ${JSON.stringify(tenantKeys)}: use per-tenant or shared`);
  }
  const versionText = values["key-version"] as string | undefined;
  if (versionText !== undefined && !/^[1-9]\d{0,6}$/.test(versionText)) throw new UsageError(`invalid --key-version ${JSON.stringify(versionText)}: a whole number >= 1`);
  const keyVersion = versionText === undefined ? undefined : Number(versionText);
  const url = values.url as string | undefined;
  if (url !== undefined && (url.includes("{tenant}") ? urlTemplateProblem(url) !== undefined : !/^(https?|libsql):\/\/[^/]+\/?$/.test(url))) {
    throw new UsageError(`invalid --url ${JSON.stringify(url)}: a tenant URL template like libsql://{tenant}.db.example.com, or sqld's origin like https://app.fly.dev`);
  }
  return { stack, tenant, access, ttlSeconds, keyFile, tenantKeys: tenantKeys as SigningMode | undefined, keyVersion, json: values.json === true, url };
}

function onPath(command: string, envPath: string | undefined): boolean {
  return (envPath ?? "").split(path.delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A stack's outputs (`pulumi stack output --json --show-secrets`), read once: the key, how to sign, where to connect. */
type StackOutputs = Record<string, unknown>;

function readStackOutputs(stack: string, env: NodeJS.ProcessEnv): StackOutputs {
  if (!onPath("pulumi", env.PATH)) {
    throw new UsageError("the pulumi CLI is not on PATH; pass --key-file <PKCS#8 PEM> to sign with a key file");
  }
  // No shell: the stack name goes to pulumi as one argument.
  const result = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", env });
  if (result.status !== 0) {
    throw new Error(`pulumi stack output failed (exit ${result.status}): ${(result.stderr || result.error?.message || "").trim()}`);
  }
  return JSON.parse(result.stdout) as StackOutputs;
}

function keyFromFile(keyFile: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(keyFile, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read --key-file ${keyFile}: ${(error as Error).message}`);
  }
  if (!pem.includes("-----BEGIN PRIVATE KEY-----")) {
    throw new UsageError(`--key-file ${keyFile} is not a PKCS#8 PEM ("BEGIN PRIVATE KEY") file`);
  }
  return pem;
}

function keyFromOutputs(outputs: StackOutputs, stack: string): string {
  const pem = outputs.jwtPrivateKeyPem;
  if (typeof pem !== "string") throw new Error(`stack ${stack} has no jwtPrivateKeyPem output; run pulumi up first`);
  return pem.trim() + "\n";
}

/** The signing key: from --key-file, else from the stack's secret output via the Pulumi CLI. */
export function loadSigningKey(args: TokenCliArgs, env: NodeJS.ProcessEnv = process.env): string {
  return args.keyFile !== undefined ? keyFromFile(args.keyFile) : keyFromOutputs(readStackOutputs(args.stack!, env), args.stack!);
}

/** How to sign: the flags, else the stack's `tenantKeys` / `tenantKeyVersions` outputs (absent on older stacks: shared). */
function signing(args: TokenCliArgs, outputs: StackOutputs | undefined): { mode: SigningMode; version: number } {
  const mode = args.tenantKeys ?? (outputs?.tenantKeys === "per-tenant" ? "per-tenant" : "shared");
  if (args.keyVersion !== undefined || mode === "shared" || !outputs) return { mode, version: args.keyVersion ?? 1 };
  const versions = (outputs.tenantKeyVersions ?? {}) as Record<string, number>;
  return { mode, version: versions[args.tenant] ?? 1 };
}

/** Where the token is used: --url, else the stack's tenantUrlTemplate, else its databaseUrl (with the header to send). */
function connection(args: TokenCliArgs, outputs: StackOutputs | undefined): TenantConnection | undefined {
  const given = args.url ?? (outputs?.tenantUrlTemplate as string | undefined);
  if (given?.includes("{tenant}")) return tenantConnection(args.tenant, { urlTemplate: given, dbUrl: "" });
  const dbUrl = given ?? (outputs?.databaseUrl as string | undefined);
  return dbUrl === undefined ? undefined : tenantConnection(args.tenant, { dbUrl });
}

export type CliToken = MintedToken & { connection?: TenantConnection };

export async function mintCliToken(args: TokenCliArgs, env: NodeJS.ProcessEnv = process.env): Promise<CliToken> {
  const outputs = args.keyFile === undefined ? readStackOutputs(args.stack!, env) : undefined;
  const pem = outputs ? keyFromOutputs(outputs, args.stack!) : keyFromFile(args.keyFile!);
  const { mode, version } = signing(args, outputs);
  try {
    const minted = await mintScopedToken(pem, {
      tenant: args.tenant,
      access: args.access,
      ttlSeconds: args.ttlSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    }, mode, version);
    return { ...minted, connection: connection(args, outputs) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
