/** compareDigests, pure: each kind of difference is named; equal digests give no problem. */
import { describe, expect, it } from "vitest";
import { compareDigests, type DatabaseDigest } from "../../scripts/lib/mode-switch/verify";

const source: DatabaseDigest = { schema: ["index i (t)", "table t (t)"], tables: { t: { rows: 2, sha256: "a" } } };

describe("compareDigests", () => {
  it("finds nothing between equal digests", () => {
    expect(compareDigests(source, structuredClone(source))).toEqual([]);
  });
  it("names missing and extra schema objects, a row count and a checksum difference", () => {
    expect(compareDigests(source, { schema: ["table t (t)", "view v (v)"], tables: { t: { rows: 2, sha256: "a" } } })).toEqual([
      "schema objects missing in the target: index i (t)",
      "schema objects only in the target: view v (v)",
    ]);
    expect(compareDigests(source, { ...source, tables: { t: { rows: 3, sha256: "a" } } })).toEqual(["table t: 2 rows in the source, 3 in the target"]);
    expect(compareDigests(source, { ...source, tables: { t: { rows: 2, sha256: "b" } } })).toEqual(["table t: same 2 rows but different content (checksum)"]);
    // sqlite_sequence is data but not a listed schema object: its absence on either side is named too.
    const withSequence = { ...source, tables: { ...source.tables, sqlite_sequence: { rows: 1, sha256: "s" } } };
    expect(compareDigests(withSequence, source)).toEqual(["table sqlite_sequence: missing in the target"]);
    expect(compareDigests(source, withSequence)).toEqual(["table sqlite_sequence: only in the target"]);
  });
});
