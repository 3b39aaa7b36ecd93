/**
 * The upload double's checks, pure: which tokens may upload (turso-upload.ts isUploadToken: full-access, this
 * database, unexpired, signed by the double's key) and which files pass (uploadFileProblem on files built here).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isUploadToken, uploadFileProblem } from "../../local/box/turso-upload";
import { makeTokenSigner } from "../../local/doubles/fake-turso-api/tokens";

const dir = mkdtempSync(join(tmpdir(), "upload-checks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("isUploadToken", () => {
  const signer = makeTokenSigner();
  const now = 1_800_000_000;
  it("accepts only a full-access, unexpired token of this database signed by the double", () => {
    const bearer = (claims: Record<string, unknown>, s = signer) => `Bearer ${s.sign(claims)}`;
    expect(isUploadToken(bearer({ a: "rw", id: "db1" }), "db1", signer.sqldJwtKey, now)).toBe(true);
    expect(isUploadToken(bearer({ a: "rw", id: "db1", exp: now + 60 }), "db1", signer.sqldJwtKey, now)).toBe(true);
    expect(isUploadToken(bearer({ a: "rw", id: "db1", exp: now - 1 }), "db1", signer.sqldJwtKey, now)).toBe(false);
    expect(isUploadToken(bearer({ a: "ro", id: "db1" }), "db1", signer.sqldJwtKey, now)).toBe(false);
    expect(isUploadToken(bearer({ a: "rw", id: "db2" }), "db1", signer.sqldJwtKey, now)).toBe(false);
    expect(isUploadToken(bearer({ a: "rw", gid: "g" }), "db1", signer.sqldJwtKey, now)).toBe(false);
    expect(isUploadToken(bearer({ a: "rw", id: "db1" }, makeTokenSigner()), "db1", signer.sqldJwtKey, now)).toBe(false);
    expect(isUploadToken(undefined, "db1", signer.sqldJwtKey, now)).toBe(false);
    expect(isUploadToken(`Basic ${signer.sign({ a: "rw", id: "db1" })}`, "db1", signer.sqldJwtKey, now)).toBe(false);
  });
});

describe("uploadFileProblem", () => {
  it("names what is wrong with a file that is not SQLite, or is truncated", async () => {
    const text = join(dir, "text.db");
    writeFileSync(text, "not a database".repeat(100));
    expect(await uploadFileProblem(text)).toMatch(/not a SQLite/);
    const short = join(dir, "short.db");
    writeFileSync(short, "SQLite format 3\0");
    expect(await uploadFileProblem(short)).toMatch(/not a SQLite/);
  });
});
