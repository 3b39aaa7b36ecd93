/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider: the command provider's own value
 * semantics on top of ../wire.ts (secret and unknown markers, reveal, shared with the other doubles).
 *
 * `@pulumi/pulumi/provider`'s server hands the provider raw `Struct.toJavaScript()` values (server.js check/diff/create/
 * update/delete) and answers Configure with acceptSecrets=true (server.js `configure`), so the engine sends secrets as
 * `{[specialSigKey]: specialSecretSig, value}` objects and, in previews, unknowns as the `unknownValue` string
 * (sdk/go/common/resource/plugin/rpc.go MarshalPropertyValue). Upstream decodes those with pulumi-go-provider
 * infer/internal/ende/ende.go (`walk`) and re-applies them to the same paths when encoding outputs (`change.apply`);
 * passing the raw objects through unchanged gives the same result here. Secret wrappers are removed with `reveal`
 * (ende.go `walk` strips them before decoding).
 */
import { isUnknown } from "../wire";

export type WireValue = unknown;

/** Null and absent are the same "no value" (resource.PropertyValue.HasValue is false for null). */
export function hasValue(value: WireValue): boolean {
  return value !== undefined && value !== null;
}

/**
 * Structural equality like resource.PropertyValue.DeepEquals (sdk properties_diff.go): a secret equals only a secret
 * with an equal element, so making a value secret (or public) is a change; an unknown equals nothing known.
 */
export function deepEquals(a: WireValue, b: WireValue): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEquals(x, b[i]));
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const ak = Object.keys(a).filter((k) => hasValue((a as Record<string, unknown>)[k]));
    const bk = Object.keys(b).filter((k) => hasValue((b as Record<string, unknown>)[k]));
    return ak.length === bk.length && ak.every((k) => deepEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}
