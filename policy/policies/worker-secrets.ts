import type { ResourceValidationPolicy } from "@pulumi/policy";
import { WORKERS_SCRIPT } from "../lib/resources";
import { secretLikeValue } from "../lib/secret-patterns";

/**
 * A Worker's plain_text bindings are shown in the Cloudflare dashboard and returned by the API; secret_text
 * bindings are write-only. The gateway's credentials must be secret_text.
 */
export const SECRET_BINDINGS = ["JWT_PRIVATE_KEY", "GATEWAY_API_KEY"];
/** Managed mode: TENANT_DATABASES_<n> hold the tenants' Turso database tokens (worker/tenant-databases.ts). */
const TENANT_DATABASES = /^TENANT_DATABASES_[0-9]+$/;
const isGatewayCredential = (name: string) => SECRET_BINDINGS.includes(name) || TENANT_DATABASES.test(name);
/** Names that announce a credential, whatever the value looks like. PUBLIC keys are fine in plain text. */
const SECRET_NAME = /(SECRET|PASSWORD|PRIVATE|TOKEN|API_KEY|AUTH_KEY)/i;

interface Binding {
  name?: unknown;
  type?: unknown;
  text?: unknown;
}

function bindingProblem(b: Binding, type: string): string | undefined {
  const name = typeof b.name === "string" ? b.name : "?";
  if (type === "secret_text") return undefined;
  const reasons: string[] = [];
  if (isGatewayCredential(name)) reasons.push("it is one of the gateway's credentials");
  else if (SECRET_NAME.test(name)) reasons.push("its name says it is a credential");
  const looks = typeof b.text === "string" ? secretLikeValue(b.text) : undefined;
  if (looks) reasons.push(`its value looks like a ${looks}`);
  if (reasons.length === 0) return undefined;
  return `Worker binding ${name} is ${type}, but ${reasons.join(" and ")}: bind it as secret_text`;
}

/**
 * Pure check over the WorkersScript inputs: `bindings` ({name, type, text}, provider v6) and the older
 * `plainTextBindings` ({name, text}, provider v5) that some code still uses.
 */
export function workerBindingProblems(props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const bindings = Array.isArray(props.bindings) ? (props.bindings as Binding[]) : [];
  for (const b of bindings) {
    // Only text-carrying bindings (or the named credentials) can leak a value; KV, R2, services… carry none.
    if (b.text === undefined && !isGatewayCredential(String(b.name))) continue;
    const problem = bindingProblem(b, typeof b.type === "string" ? b.type : "untyped");
    if (problem) problems.push(problem);
  }
  const legacy = Array.isArray(props.plainTextBindings) ? (props.plainTextBindings as Binding[]) : [];
  for (const b of legacy) {
    const problem = bindingProblem(b, "plain_text");
    if (problem) problems.push(problem);
  }
  return problems;
}

export const workerSecretsAreSecretText: ResourceValidationPolicy = {
  name: "worker-secrets-are-secret-text",
  description: "Worker credentials (JWT_PRIVATE_KEY, GATEWAY_API_KEY, TENANT_DATABASES_<n>, anything that looks like a key or token) are secret_text bindings.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== WORKERS_SCRIPT) return;
    for (const problem of workerBindingProblems(args.props)) reportViolation(problem);
  },
};
