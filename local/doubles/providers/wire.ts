/**
 * Shared by the TEST DOUBLE providers (command, random, tls, cloudflare), not a real provider: how property values travel
 * between the Pulumi engine and a provider built on @pulumi/pulumi/provider.
 *
 * That server hands `check`/`diff`/`create` the raw protobuf Struct as JSON (server.js: `req.getNews().toJavaScript()`)
 * and sends our results back the same way (`Struct.fromJavaScript(result.outs)`). Its `configure` answers
 * acceptSecrets=true, so the engine sends secrets as signature objects and unmarshals ours with KeepSecrets
 * (pulumi sdk/go/common/resource/plugin/provider_plugin.go, Create: `UnmarshalProperties(..., KeepSecrets: true)`);
 * during preview unknown values arrive as the unknown sentinel string (same file, Check/Diff: KeepUnknowns).
 * Sentinels: sdk/go/common/resource/sig/sig.go (Secret) and plugin/rpc.go (UnknownStringValue), the same values the
 * Node SDK exports from runtime/rpc.
 */
import { isDeepStrictEqual } from "node:util";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

export const SECRET_SIG_KEY = specialSigKey;
export const SECRET_SIG = specialSecretSig;
export const UNKNOWN = unknownValue;

export type Props = Record<string, unknown>;

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

export function isSecret(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && (value as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): unknown {
  return isSecret(value) ? value : { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** The plain value with every secret wrapper removed (deeply). */
export function reveal(value: unknown): unknown {
  if (isSecret(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

export function containsSecret(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecret);
  return false;
}

export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (isSecret(value)) return containsUnknown(value.value);
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/** The Pulumi type token of a URN (`urn:pulumi:stack::project::parent$type::name` → `type`). */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop()!;
}

/**
 * Outputs as the engine must store them: plain values, made secret where the schema marks the attribute Sensitive
 * or where the input of the same name was secret (what the bridge does: pulumi-terraform-bridge
 * MakeTerraformOutputs keeps the secretness of inputs and marks Sensitive attributes secret).
 */
export function outputsWithSecrets(inputs: Props, outs: Props, sensitive: readonly string[]): Props {
  return Object.fromEntries(
    Object.entries(outs).map(([k, v]) => {
      if (sensitive.includes(k)) return [k, secret(reveal(v))];
      // An input passed through keeps its (possibly nested) secrets where they were, e.g. one secret_text binding.
      if (containsSecret(inputs[k])) return [k, isDeepStrictEqual(reveal(v), reveal(inputs[k])) ? inputs[k] : secret(reveal(v))];
      return [k, reveal(v)];
    }),
  );
}

/** Input names whose (revealed) values differ between the old state and the new inputs; unknown counts as changed. */
export function changedKeys(olds: Props, news: Props, keys: readonly string[]): string[] {
  return keys.filter((k) => containsUnknown(news[k]) || !isDeepStrictEqual(reveal(olds[k]) ?? null, reveal(news[k]) ?? null));
}

/** Inputs plus defaults for the keys the user left out (the Terraform schema `Default`s). */
export function withDefaults(news: Props, defaults: Props): Props {
  const out: Props = { ...news };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined || out[k] === null) out[k] = v;
  return out;
}
