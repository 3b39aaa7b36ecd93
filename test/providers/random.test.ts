/** The random TEST DOUBLE (local/doubles/providers/random): real randomness, upstream's validation and replace rules, secret outputs. */
import { describe, expect, it } from "vitest";
import { RANDOM_PASSWORD, randomProvider as p } from "../../local/doubles/providers/random/provider";
import { isSecret, reveal, secret, UNKNOWN, type Props } from "../../local/doubles/providers/wire";

const urn = `urn:pulumi:t::proj::libsql-stack:auth:StackKeys$${RANDOM_PASSWORD}::admin`;
async function make(inputs: Props) {
  const checked = await p.check!(urn, {}, inputs);
  expect(checked.failures).toEqual([]);
  return { inputs: checked.inputs as Props, ...(await p.create!(urn, checked.inputs)) };
}

describe("random.RandomPassword double", () => {
  it("makes a fresh password of the asked length and alphabet, as a secret", async () => {
    const a = await make({ length: 48, special: false });
    const b = await make({ length: 48, special: false });
    expect(isSecret(a.outs.result)).toBe(true);
    const result = String(reveal(a.outs.result));
    expect(result).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(reveal(b.outs.result)).not.toBe(result);
    expect(a.id).toBe("none");
    expect(a.inputs).toMatchObject({ special: false, upper: true, lower: true, numeric: true, number: true, minUpper: 0 });
  });

  it("honours the minimums and overrideSpecial", async () => {
    for (let i = 0; i < 20; i++) {
      const r = String(reveal((await make({ length: 8, minUpper: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "_%" })).outs.result));
      expect(r).toHaveLength(8);
      expect(r.match(/[A-Z]/g)!.length).toBeGreaterThanOrEqual(2);
      expect(r.match(/[0-9]/g)!.length).toBeGreaterThanOrEqual(2);
      expect(r.match(/[_%]/g)!.length).toBeGreaterThanOrEqual(2);
      expect(r).toMatch(/^[A-Za-z0-9_%]+$/);
    }
  });

  it("rejects what the provider's validators reject, with their messages", async () => {
    const reasons = async (inputs: Props) => ((await p.check!(urn, {}, inputs)).failures ?? []).map((f) => f.reason);
    expect(await reasons({ length: 0 })).toContain("Attribute length value must be at least 1, got: 0");
    expect(await reasons({ length: 3, minUpper: 2, minLower: 2 })).toContain(
      "Attribute length value must be at least sum of min_upper + min_lower + min_numeric + min_special, got: 3",
    );
    expect(await reasons({ length: 5, special: false, upper: false, lower: false, numeric: false })).toEqual([
      "Attribute numeric At least one attribute out of [special,upper,lower,numeric] must be specified as true",
    ]);
    expect(await reasons({ special: false })).toHaveLength(1);
    // An unknown length (preview) is not judged.
    expect(await reasons({ length: UNKNOWN, minUpper: 5 })).toEqual([]);
  });

  it("replaces on any input change (keepers included), and reports no change otherwise", async () => {
    const made = await make({ length: 48, special: false, keepers: { version: "1" } });
    const olds = { ...made.outs };
    const next = async (inputs: Props) => p.diff!("none", urn, olds, (await p.check!(urn, olds, inputs)).inputs);
    expect(await next({ length: 48, special: false, keepers: { version: "1" } })).toMatchObject({ changes: false, replaces: [] });
    expect(await next({ length: 48, special: false, keepers: { version: "2" } })).toMatchObject({ changes: true, replaces: ["keepers"] });
    expect(await next({ length: 40, special: false, keepers: { version: "1" } })).toMatchObject({ replaces: ["length"] });
    expect(await next({ length: UNKNOWN, special: false, keepers: { version: "1" } })).toMatchObject({ replaces: ["length"] });
    // A secret input is compared by value, not by wrapper.
    expect(await next({ length: 48, special: false, keepers: secret({ version: "1" }) })).toMatchObject({ changes: false });
  });
});
