import { describe, expect, it } from "vitest";
import { FLY_IMPORT_MAX_LINE_BYTES, flySecretImportLine, flySecretsImportInput } from "../../infra/fly/scripts/secrets";
// The fake flyctl's port of superfly/flyctl internal/command/secrets/parser.go parseSecrets.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseSecrets } = require("../../local/doubles/fake-fly/lib/secrets.js") as { parseSecrets: (b: Buffer) => Map<string, string> };

const parse = (text: string) => Object.fromEntries(parseSecrets(Buffer.from(text, "utf8")));

describe("the fake flyctl's secrets parser matches flyctl's own parser tests", () => {
  // Cases from superfly/flyctl internal/command/secrets/parser_test.go (Test_parse_*), re-stated, not copied.
  it.each([
    ["comments and blank lines (Test_parse_basic)", "\n# c\n  \nFOO=BAR\n# d\nQUX=NAH\n", { FOO: "BAR", QUX: "NAH" }],
    ["CRLF (Test_parse_windows)", "FOO=BAR\r\nQUX=NAH\r\n", { FOO: "BAR", QUX: "NAH" }],
    ["multi-line (Test_parse_mulltiline)", 'A=1\nM="""x\ny\n\nz"""\nT=w\n', { A: "1", M: "x\ny\n\nz", T: "w" }],
    ["comma (Test_parse_with_comma)", "FOO=BAR,BAZ", { FOO: "BAR,BAZ" }],
    ["spaces and # cut", "FOO=  bar baz  # note\n", { FOO: "bar baz" }],
    ["quoted # kept", 'FOO="a # b"\n', { FOO: "a # b" }],
    ["single quotes stripped", "FOO='x y'\n", { FOO: "x y" }],
    ["unterminated multi-line is dropped", 'A=1\nM="""never\nends\n', { A: "1" }],
  ])("%s", (_name, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it("ignores everything from a line longer than 64 KiB on (bufio.Scanner ErrTooLong is never checked)", () => {
    expect(parse(`A=1\nB=${"x".repeat(70_000)}\nC=3\n`)).toEqual({ A: "1" });
  });
});

describe("flySecretImportLine round-trips every single-line value through flyctl's parser", () => {
  const ALPHABET = ['"', "'", "#", " ", "=", "a", "\\", "$", "é"];
  /** Every string of length ≤ 4 over the alphabet: 9^0 + … + 9^4 = 7381 values, all the quote/# orders. */
  function* allValues(maxLength: number): Generator<string> {
    let level = [""];
    for (let n = 0; n <= maxLength; n++) {
      yield* level;
      level = level.flatMap((v) => ALPHABET.map((c) => v + c));
    }
  }

  it("stores each value exactly (exhaustive up to length 4)", () => {
    const failures: string[] = [];
    for (const value of allValues(4)) {
      const parsed = parse(`${flySecretImportLine({ name: "K", value, source: "test" })}\n`);
      if (parsed.K !== value) failures.push(JSON.stringify(value));
    }
    expect(failures).toEqual([]);
  });

  it("keeps several secrets apart and realistic values intact", () => {
    const entries = [
      { name: "URL", value: "https://user:p#ss@h/x?y=1#z", source: "a" },
      { name: "KEY", value: 'wJalr"XUtn#FEMI/K7MDENG+bPxRfiCY', source: "b" },
      { name: "B64", value: "MCowBQYDK2VwAyEA9f3k1oHq8JzB0Zs/jr0d0y6Yb3uX4pQb0C4y1Ff6G0c=", source: "c" },
    ];
    expect(parse(flySecretsImportInput(entries))).toEqual(Object.fromEntries(entries.map((e) => [e.name, e.value])));
  });

  it.each([
    ["a line feed", "a\nb"],
    ["a carriage return", "a\rb"],
  ])("refuses a value with %s, naming the config key", (_what, value) => {
    expect(() => flySecretImportLine({ name: "S3", value, source: "libsql-stack:backupSecretAccessKey" })).toThrow(
      /^libsql-stack:backupSecretAccessKey: the value of secret S3 contains a line break/,
    );
  });

  it("refuses a value longer than flyctl reads in one line, naming the config key", () => {
    const value = "x".repeat(FLY_IMPORT_MAX_LINE_BYTES);
    expect(() => flySecretImportLine({ name: "K", value, source: "libsql-stack:backupAccessKeyId" })).toThrow(/^libsql-stack:backupAccessKeyId: .*64 KiB/);
  });

  it("refuses duplicate names and invalid names", () => {
    expect(() => flySecretsImportInput([{ name: "A", value: "1", source: "x" }, { name: "A", value: "2", source: "y" }])).toThrow(/duplicate/);
    expect(() => flySecretImportLine({ name: "A=B", value: "1", source: "x" })).toThrow(/^name: /);
  });
});

describe("user-supplied secret values are checked at config time", () => {
  it("refuses S3 keys with a line break, naming the key and never the value", async () => {
    const { parseStackConfig } = await import("../../infra/config/parse");
    const raw = {
      mode: "self-hosted",
      fly: { org: "acme", app: "acme-sqld" },
      regions: [{ code: "ams", role: "primary", volumeSizeGb: 1 }],
      backups: { endpoint: "https://s3.example.test", bucket: "acme-backups" },
      backupAccessKeyId: "AKIA#ok'\"=",
      backupSecretAccessKey: "s3cr3t\nsecond-line",
    };
    const result = parseStackConfig(raw, { stack: "dev" });
    const problems = "problems" in result ? result.problems : [];
    expect(problems.filter((p) => /line break/.test(p))).toEqual([expect.stringMatching(/^libsql-stack:backupSecretAccessKey contains a line break/)]);
    expect(problems.join("\n")).not.toContain("s3cr3t");
  });
});

describe("the policy pack reads the quoted stdin back (policy/lib/shell.ts secretImportLines)", () => {
  it("sees each value, including an empty one, as flyctl will store it", async () => {
    const { secretImportLines } = await import("../../policy/lib/shell");
    const entries = [
      { name: "SQLD_AUTH_JWT_KEY", value: "", source: "a" },
      { name: "S3", value: 'x"#y', source: "b" },
      { name: "URL", value: "https://h/p#f", source: "c" },
    ];
    expect(Object.fromEntries(secretImportLines(flySecretsImportInput(entries)))).toEqual({ SQLD_AUTH_JWT_KEY: "", S3: 'x"#y', URL: "https://h/p#f" });
  });
});
