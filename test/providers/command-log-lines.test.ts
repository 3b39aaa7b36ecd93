/**
 * The TEST DOUBLE of pulumi-command v1.2.1 hangs on a logged line of 64 KiB or more, as upstream does:
 * util/util.go `LogOutput` reads with a default bufio.Scanner (bufio.MaxScanTokenSize = 65 536 bytes buffered);
 * on a longer line Scan stops with ErrTooLong, the next write into local/commandOutputs.go `run`'s logging io.Pipe
 * blocks forever and `cmd.Wait()` never returns. Real `sh` scripts in a temp dir.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogScanner, LONGEST_LOGGED_LINE } from "../../local/doubles/providers/command/log-scanner";
import { CommandProvider } from "../../local/doubles/providers/command/provider";

const URN = "urn:pulumi:t::p::libsql:stack:Thing$command:local:Command::cmd";

let dir: string;
let logged: string[];
let provider: CommandProvider;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "command-lines-")));
  logged = [];
  provider = new CommandProvider((_urn, line) => void logged.push(line));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A script printing one line of `bytes` x's (to `stream`), then "after", then leaving a marker and exiting 0. */
const longLine = (bytes: number, stream: "1" | "2" = "1") =>
  `head -c ${bytes} /dev/zero | tr '\\0' x >&${stream}; echo >&${stream}; echo after; touch ${JSON.stringify(join(dir, "exited"))}`;

/** Settled or not, once the script has exited and the double had ample time to collect its output. */
async function settlesAfterExit(run: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void run.then(() => (settled = true), () => (settled = true));
  await expect.poll(() => existsSync(join(dir, "exited")), { timeout: 10_000 }).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return settled;
}

describe("command double: logged line length (bufio.Scanner limit)", () => {
  it(`logs a ${LONGEST_LOGGED_LINE}-byte line and finishes`, async () => {
    const run = provider.create(URN, { create: longLine(LONGEST_LOGGED_LINE) });
    expect(await settlesAfterExit(run)).toBe(true);
    await run;
    expect(logged.map((line) => line.length)).toEqual([LONGEST_LOGGED_LINE, 5]);
  });

  it.each([["stdout", "1"], ["stderr", "2"]] as const)("never finishes after a 65 536-byte line on %s (logging default)", async (_, stream) => {
    const run = provider.create(URN, { create: longLine(LONGEST_LOGGED_LINE + 1, stream) });
    expect(await settlesAfterExit(run)).toBe(false);
    expect(logged).not.toContain("after"); // nothing after the long line reaches the engine either
  });

  it('finishes when the long line is on a stream that is not logged (logging "stderr")', async () => {
    const run = provider.create(URN, { create: longLine(200_000), logging: "stderr" });
    expect(await settlesAfterExit(run)).toBe(true);
    const { outs } = await run;
    expect((outs.stdout as string).split("\n").map((l) => l.length)).toEqual([200_000, 5]);
  });
});

describe("LogScanner (the double's bufio.Scanner)", () => {
  it("counts bytes, not characters, and splits across writes", () => {
    const lines: string[] = [];
    const scanner = new LogScanner((line) => lines.push(line));
    const euro = Buffer.from("€"); // 3 bytes
    const fits = Buffer.concat([Buffer.alloc(LONGEST_LOGGED_LINE - 3, "a"), euro]);
    expect(scanner.write(fits.subarray(0, 1000))).toBe(true);
    expect(scanner.write(Buffer.concat([fits.subarray(1000), Buffer.from("\nnext")]))).toBe(true);
    scanner.end();
    expect(lines.map((l) => l.length)).toEqual([LONGEST_LOGGED_LINE - 2, 4]);

    const stops = new LogScanner(() => undefined);
    expect(stops.write(Buffer.concat([Buffer.alloc(LONGEST_LOGGED_LINE - 1, "a"), euro]))).toBe(false);
    expect(stops.hasStopped).toBe(true);
    expect(stops.write(Buffer.from("x\n"))).toBe(false);

    // A "\r" before the "\n" is dropped from the message but takes buffer space like any byte.
    const crlf = new LogScanner(() => undefined);
    expect(crlf.write(Buffer.concat([Buffer.alloc(LONGEST_LOGGED_LINE, "a"), Buffer.from("\r\n")]))).toBe(false);
  });
});
