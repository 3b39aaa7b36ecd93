/**
 * Which Pulumi CLI the demo and the e2e suite run (local/engine.ts): a `pulumi` on PATH is used when it is the SDK's
 * version, so a user who has it needs no Go build. The CLI on PATH is the real one (a link to the built engine); a
 * CLI of another version is a one-line script printing that version, as `pulumi version` does.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findEngine, sdkVersion } from "../../local/engine";
import { engineBin } from "../../local/workspace";

let dir: string;
const folder = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-lookup-"));
  fs.mkdirSync(folder("matching"));
  fs.symlinkSync(path.join(engineBin() ?? "/nonexistent", "pulumi"), path.join(folder("matching"), "pulumi"));
  fs.mkdirSync(folder("older"));
  fs.writeFileSync(path.join(folder("older"), "pulumi"), "#!/bin/sh\necho v3.100.0\n", { mode: 0o755 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!engineBin())("engine lookup", () => {
  const none = "/nonexistent/.engine/bin";

  it("uses a pulumi on PATH of the SDK's version when nothing else is set", () => {
    expect(findEngine({ PATH: folder("matching") }, none)).toEqual({ engine: { dir: folder("matching"), source: "PATH" } });
  });

  it("passes over a pulumi on PATH of another version, saying which and why", () => {
    const found = findEngine({ PATH: [folder("older"), folder("matching")].join(path.delimiter) }, none);
    expect(found).toEqual({ engine: null, pathMismatch: `${path.join(folder("older"), "pulumi")} is v3.100.0, the SDK (node_modules/@pulumi/pulumi) needs ${sdkVersion()}` });
  });

  it("prefers PULUMI_ENGINE_BIN, then the repo's .engine/bin, over PATH", () => {
    expect(findEngine({ PATH: folder("older"), PULUMI_ENGINE_BIN: folder("matching") }, none).engine).toEqual({ dir: folder("matching"), source: "PULUMI_ENGINE_BIN" });
    expect(findEngine({ PATH: folder("older") }, folder("matching")).engine).toEqual({ dir: folder("matching"), source: ".engine/bin" });
  });

  it("finds nothing without any of them", () => {
    expect(findEngine({ PATH: "" }, none)).toEqual({ engine: null });
  });
});
