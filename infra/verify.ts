import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";

export interface VerifyDatabaseArgs {
  /** Public database URL (https://<app>.fly.dev or libsql://<turso host>). */
  url: pulumi.Input<string>;
  /** sqld namespace to query; "" queries the default database. */
  namespace: string;
  /** Self-hosted: the signing key; the check mints its own 120 s read-only token (secret). */
  signingKey?: pulumi.Input<string>;
  /** Managed: the database token (secret). */
  authToken?: pulumi.Input<string>;
  /** Changes with every rollout that changes what runs; a change re-runs the check. */
  rolloutDigest: string;
}

/**
 * How the database scripts (scripts/verify-database.ts, scripts/migrate.ts) get their credentials: the signing key
 * (self-hosted: they mint short-lived scoped tokens) or the database token (managed), each only as a secret env var.
 */
export function databaseCredentialEnv(signingKey: pulumi.Input<string> | undefined, authToken: pulumi.Input<string> | undefined): Record<string, pulumi.Input<string>> {
  const environment: Record<string, pulumi.Input<string>> = {};
  if (signingKey !== undefined) environment.JWT_PRIVATE_KEY = pulumi.secret(signingKey);
  if (authToken !== undefined) environment.DATABASE_AUTH_TOKEN = pulumi.secret(authToken);
  return environment;
}

/**
 * Post-deploy verification: one real query through @libsql/client (scripts/verify-database.ts). If the
 * database does not answer, the Command fails and so does `pulumi up`. `opts.dependsOn`: the database's rollout.
 */
export function verifyDatabase(name: string, args: VerifyDatabaseArgs, opts: pulumi.CustomResourceOptions): local.Command {
  const environment = { DATABASE_URL: args.url, NAMESPACE: args.namespace, ...databaseCredentialEnv(args.signingKey, args.authToken) };
  return new local.Command(
    name,
    {
      create: "node --import tsx scripts/verify-database.ts",
      environment,
      // Replacing the Command re-runs `create`: that is how a new rollout gets checked again.
      triggers: [args.rolloutDigest],
      logging: "stderr",
      addPreviousOutputInEnv: false,
    },
    opts,
  );
}
