/**
 * The two namespaces a self-hosted stack keeps for its own migration bookkeeping, created with the tenants
 * whenever the stack has migrations to apply.
 *
 * Their names start with "_": a tenant (and a `migrations.shared` namespace) must match TENANT_PATTERN
 * (worker/claims.ts), which cannot, so no tenant can be given either name, and the gateway never mints a token for
 * them (buildScopedClaims refuses the name; its token endpoint only serves the TENANTS allow-list). sqld itself only
 * checks that a namespace name is not empty (libsql-server/src/namespace/name.rs `NamespaceName::validate`).
 */

/** Holds the central ledger (infra/migrations/ledger.ts): what is applied in which namespace. */
export const LEDGER_NAMESPACE = "_libsql_stack_ledger";

/** Scratch namespace where each run first replays the tenant files from 0001 (infra/migrations/canary.ts). */
export const CANARY_NAMESPACE = "_libsql_stack_canary";

/** Both, sorted (the order the namespaces Command lists them in). */
export const MIGRATION_NAMESPACES: readonly string[] = [CANARY_NAMESPACE, LEDGER_NAMESPACE];

/** Why `name` cannot be a tenant or a shared namespace, when it is one of the stack's own; undefined otherwise. */
export function reservedNamespaceProblem(name: string): string | undefined {
  if (name === LEDGER_NAMESPACE) return `"${name}" is reserved for the stack's migration ledger; pick another name`;
  if (name === CANARY_NAMESPACE) return `"${name}" is reserved for the stack's migration canary; pick another name`;
  return undefined;
}
