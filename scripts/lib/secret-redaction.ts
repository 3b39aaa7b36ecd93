import * as pulumi from "@pulumi/pulumi";

// Internal SDK constants: exported at runtime, marked @internal in the typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as { specialSigKey: string; specialSecretSig: string };

export const SECRET = "[secret]";
type Path = (string | number)[];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Where the secrets are in a resource's raw inputs. The SDK marks a whole top-level input secret when any
 * part of it is (e.g. all Worker bindings because one is secret_text); the plan is more useful when it
 * redacts only the parts that are secret, so we record the paths of secret Outputs before serialization.
 */
export function findSecretPaths(props: unknown): Promise<Path[]> {
  const found: Promise<Path | undefined>[] = [];
  const walk = (value: unknown, path: Path) => {
    if (pulumi.Output.isInstance(value)) {
      found.push(pulumi.isSecret(value as pulumi.Output<unknown>).then((secret) => (secret ? path : undefined)));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, [...path, i]));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(props, []);
  return Promise.all(found).then((paths) => paths.filter((p): p is Path => p !== undefined));
}

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
const isSecretWrapper = (v: unknown): v is { value: unknown } => isPlainObject(v) && v[rpc.specialSigKey] === rpc.specialSecretSig;

/**
 * Replace every secret in serialized inputs by "[secret]". A secret wrapper is opened only when we know
 * exactly which of its parts are secret; otherwise the whole value stays "[secret]".
 */
export function redactSecrets(value: unknown, secretPaths: Path[] = [], path: Path = []): unknown {
  if (secretPaths.some((p) => startsWith(path, p))) return SECRET;
  if (isSecretWrapper(value)) {
    const knownInside = secretPaths.some((p) => p.length > path.length && startsWith(p, path));
    return knownInside ? redactSecrets(value.value, secretPaths, path) : SECRET;
  }
  if (Array.isArray(value)) return value.map((v, i) => redactSecrets(v, secretPaths, [...path, i]));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, secretPaths, [...path, k])]));
  return value;
}
