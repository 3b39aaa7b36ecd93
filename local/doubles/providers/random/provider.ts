/**
 * TEST DOUBLE of the Pulumi random provider 4.21.2 (@pulumi/random), not the real provider: only
 * `random:index/randomPassword:RandomPassword`, derived from hashicorp/terraform-provider-random v3.8.1
 * internal/provider/resource_password.go (passwordSchemaV3, Create) and internal/random/string.go (CreateString).
 * The real one cannot be built here; this one runs inside the real Pulumi engine as `pulumi-resource-random`.
 */
import { randomInt } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { changedKeys, containsUnknown, outputsWithSecrets, reveal, typeOfUrn, withDefaults, type Props } from "../wire";

export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const VERSION = "4.21.2";

/** Every input of random_password carries RequiresReplace (or RequiresReplaceIf…) in passwordSchemaV3. */
const INPUTS = ["keepers", "length", "special", "upper", "lower", "number", "numeric", "minNumeric", "minUpper", "minLower", "minSpecial", "overrideSpecial"] as const;
/** passwordSchemaV3: `result` and `bcrypt_hash` are `Sensitive: true`. */
const SENSITIVE = ["result", "bcryptHash"];
/** passwordSchemaV3 `Default`s (special/upper/lower true, min_* 0); number/numeric: NumberNumericAttributePlanModifier. */
const DEFAULTS = { special: true, upper: true, lower: true, minNumeric: 0, minUpper: 0, minLower: 0, minSpecial: 0 };

export interface PasswordParams {
  length: number;
  upper: boolean;
  minUpper: number;
  lower: boolean;
  minLower: number;
  numeric: boolean;
  minNumeric: number;
  special: boolean;
  minSpecial: number;
  overrideSpecial?: string;
}

/** internal/random/string.go CreateString: the min_* characters first (even of a disabled class), the rest from the enabled set, then shuffled. */
export function createPassword(p: PasswordParams): string {
  const numChars = "0123456789";
  const lowerChars = "abcdefghijklmnopqrstuvwxyz";
  const upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const specialChars = p.overrideSpecial ? p.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
  const chars = (p.upper ? upperChars : "") + (p.lower ? lowerChars : "") + (p.numeric ? numChars : "") + (p.special ? specialChars : "");
  if (chars === "") throw new Error("the character set specified is empty");
  const pick = (set: string, n: number) => {
    if (set === "" && n > 0) throw new Error("charSet is empty");
    return Array.from({ length: Math.max(0, n) }, () => set[randomInt(set.length)]!);
  };
  const result = [...pick(numChars, p.minNumeric), ...pick(lowerChars, p.minLower), ...pick(upperChars, p.minUpper), ...pick(specialChars, p.minSpecial)];
  result.push(...pick(chars, p.length - result.length));
  // Fisher–Yates with crypto randomness (upstream sorts by random bytes: also a random permutation).
  for (let i = result.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result.join("");
}

function checkPassword(news: Props): provider.CheckResult {
  const failures: provider.CheckFailure[] = [];
  const inputs = withDefaults(news, DEFAULTS);
  const v = reveal(inputs) as Props;
  // NumberNumericAttributePlanModifier (internal/planmodifiers/bool/boolplanmodifiers.go): keep the two in step.
  if (v.number !== undefined && v.numeric !== undefined && !containsUnknown(inputs.number) && !containsUnknown(inputs.numeric) && v.number !== v.numeric) {
    failures.push({ property: "number", reason: "Number and numeric are both configured with different values: Number is deprecated, use numeric instead" });
  }
  const numeric = v.numeric ?? v.number ?? true;
  inputs.numeric = inputs.numeric ?? inputs.number ?? true;
  inputs.number = inputs.number ?? inputs.numeric;
  if (v.length === undefined) failures.push({ property: "length", reason: 'Missing required argument: The argument "length" is required, but no definition was found.' });
  const known = (k: string) => !containsUnknown(inputs[k]);
  if (typeof v.length === "number" && known("length")) {
    // int64validator.AtLeast(1) and AtLeastSumOf(min_upper, min_lower, min_numeric, min_special).
    if (v.length < 1) failures.push({ property: "length", reason: `Attribute length value must be at least 1, got: ${v.length}` });
    const mins = ["minUpper", "minLower", "minNumeric", "minSpecial"];
    if (mins.every(known)) {
      const sum = mins.reduce((s, k) => s + Number(v[k] ?? 0), 0);
      if (v.length < sum) failures.push({ property: "length", reason: `Attribute length value must be at least sum of min_upper + min_lower + min_numeric + min_special, got: ${v.length}` });
    }
  }
  // validators.AtLeastOneOfTrue(special, upper, lower) on numeric (internal/validators/boolvalidator.go).
  if (["special", "upper", "lower", "numeric"].every(known) && !v.special && !v.upper && !v.lower && numeric === false) {
    failures.push({ property: "numeric", reason: "Attribute numeric At least one attribute out of [special,upper,lower,numeric] must be specified as true" });
  }
  return { inputs, failures };
}

export const randomProvider: provider.Provider = {
  version: VERSION,
  async check(urn, _olds, news) {
    if (typeOfUrn(urn) !== RANDOM_PASSWORD) throw new Error(`unknown resource type ${typeOfUrn(urn)} (random TEST DOUBLE)`);
    return checkPassword(news);
  },
  async diff(_id, _urn, olds, news) {
    const changed = changedKeys(olds, news, INPUTS);
    // keepers: RequiresReplaceIfValuesNotNull; override_special: RequiresReplaceUnlessEmptyStringToNull.
    const replaces = changed.filter((k) => !(k === "overrideSpecial" && reveal(olds[k]) === "" && news[k] == null));
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
  },
  async create(_urn, inputs) {
    const v = reveal(inputs) as Props;
    const result = createPassword({
      length: Number(v.length),
      upper: v.upper !== false,
      minUpper: Number(v.minUpper ?? 0),
      lower: v.lower !== false,
      minLower: Number(v.minLower ?? 0),
      numeric: (v.numeric ?? v.number) !== false,
      minNumeric: Number(v.minNumeric ?? 0),
      special: v.special !== false,
      minSpecial: Number(v.minSpecial ?? 0),
      overrideSpecial: typeof v.overrideSpecial === "string" ? v.overrideSpecial : undefined,
    });
    // bcrypt_hash is not produced: no bcrypt implementation among the repo's dependencies, and the program never reads it.
    return { id: "none", outs: outputsWithSecrets(inputs, { ...inputs, result }, SENSITIVE) };
  },
  async update(_id, _urn, olds, news) {
    // resource_password.go Update: copies the plan (only a replace-free change, e.g. override_special "" → null).
    return { outs: outputsWithSecrets(news, { ...news, result: olds.result }, SENSITIVE) };
  },
  async read(id, _urn, props) {
    return { id, props };
  },
  async delete() {},
};
