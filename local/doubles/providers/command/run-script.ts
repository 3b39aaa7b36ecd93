/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider: running one script.
 *
 * A port of provider/pkg/provider/local/commandOutputs.go `run` (v1.2.1). Each behaviour cites its upstream line.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { LogScanner } from "./log-scanner";

/** local/base.go `BaseInputs`, already revealed (no secret wrappers) and known. */
export interface RunInputs {
  stdin?: string;
  logging?: string;
  interpreter?: string[];
  dir?: string;
  environment?: Record<string, string>;
  addPreviousOutputInEnv?: boolean;
}

/** local/base.go `BaseOutputs` (stdout, stderr); assets/archive are not implemented by the double. */
export interface RunOutputs {
  stdout: string;
  stderr: string;
}

/** Receives each logged line (upstream: util/util.go `LogOutput` → Logger.InfoStatus, an ephemeral info message). */
export type LineLogger = (line: string) => void;

/** util/util.go `PulumiCommandStdout` / `PulumiCommandStderr`. */
export const PULUMI_COMMAND_STDOUT = "PULUMI_COMMAND_STDOUT";
export const PULUMI_COMMAND_STDERR = "PULUMI_COMMAND_STDERR";

/** local/logging.go `ShouldLogStdout`/`ShouldLogStderr`: nil means both; an unlisted value logs nothing. */
function shouldLog(logging: string | undefined, stream: "stdout" | "stderr"): boolean {
  return logging === undefined || logging === stream || logging === "stdoutAndStderr";
}

/** strconv.Quote (the `%q` in run's error): Go escapes for control characters, not JSON's \u00XX. */
export function goQuote(s: string): string {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (named[ch] !== undefined) out += named[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** exec.ExitError.Error() (os/exec_posix.go ProcessState.String): "exit status N" or "signal: <name>". */
const GO_SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: "killed", SIGTERM: "terminated", SIGINT: "interrupt", SIGHUP: "hangup", SIGABRT: "aborted", SIGPIPE: "broken pipe", SIGSEGV: "segmentation fault",
};

/**
 * exec.Command's LookPath: a name without "/" is searched in the *provider's* PATH (not cmd.Env), and a missing one
 * fails Start with `exec: "name": executable file not found in $PATH`.
 */
function lookPath(file: string): string | Error {
  if (file.includes("/")) return file;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir === "" ? "." : dir, file);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not here: keep searching like exec.LookPath
    }
  }
  return new Error(`exec: ${goQuote(file)}: executable file not found in $PATH`);
}

/**
 * Runs `command`; on success returns the new outputs, on failure throws run's error. `previous` is the `out` upstream
 * passes in: empty for create, the stored outputs for update and delete.
 */
export async function runScript(command: string, inputs: RunInputs, previous: RunOutputs, log: LineLogger): Promise<RunOutputs> {
  // commandOutputs.go run: interpreter if non-empty, else ["/bin/sh", "-c"] (not Windows); the script is the last arg.
  const args = inputs.interpreter !== undefined && inputs.interpreter.length > 0 ? [...inputs.interpreter] : ["/bin/sh", "-c"];
  args.push(command);

  // run: cmd.Dir = in.Dir, else os.Getwd() (the provider's cwd; the engine starts plugins in the project directory).
  const cwd = inputs.dir ?? process.cwd();

  // run: cmd.Env = os.Environ() + `environment` (+ previous outputs); exec dedups keeping the last, so later wins.
  const env: Record<string, string | undefined> = { ...process.env, ...(inputs.environment ?? {}) };
  // run: addPreviousOutputInEnv nil or true → PULUMI_COMMAND_STDOUT/STDERR, each only when non-empty.
  if (inputs.addPreviousOutputInEnv === undefined || inputs.addPreviousOutputInEnv) {
    if (previous.stdout !== "") env[PULUMI_COMMAND_STDOUT] = previous.stdout;
    if (previous.stderr !== "") env[PULUMI_COMMAND_STDERR] = previous.stderr;
  }
  // run: stdin only when non-empty; otherwise exec gives the process /dev/null.
  const stdin = inputs.stdin !== undefined && inputs.stdin.length > 0 ? inputs.stdin : undefined;

  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const combined: Buffer[] = []; // run: stdouterrbuf, "only for error messages", both streams in arrival order
  const logged = new LogScanner(log); // run: loggingWriter gets a stream only if logging says so
  // util.go LogOutput gave up on a line over 64 KiB: a write into its pipe blocked, so cmd.Wait never returns.
  let waitBlocked = false;

  const started = startError(args[0]!, cwd);
  const exit: Error | undefined = started
    ? started
    : await new Promise<Error | undefined>((resolve) => {
        const child = spawn(lookPath(args[0]!) as string, args.slice(1), { cwd, env, stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
        child.stdout!.on("data", (chunk: Buffer) => {
          stdout.push(chunk);
          combined.push(chunk);
          if (shouldLog(inputs.logging, "stdout") && !logged.write(chunk)) {
            waitBlocked = true;
            child.stdout!.pause(); // exec's copy goroutine is stuck in the write: the child fills its pipe and blocks
          }
        });
        child.stderr!.on("data", (chunk: Buffer) => {
          stderr.push(chunk);
          combined.push(chunk);
          if (shouldLog(inputs.logging, "stderr") && !logged.write(chunk)) {
            waitBlocked = true;
            child.stderr!.pause(); // exec's copy goroutine is stuck in the write: the child fills its pipe and blocks
          }
        });
        if (stdin !== undefined) {
          // exec ignores EPIPE on stdin when the process did not read it all (exec.go skipStdinCopyError).
          child.stdin!.on("error", () => undefined);
          child.stdin!.end(stdin);
        }
        child.on("error", (err) => resolve(err));
        // 'close' waits for the stdio pipes like cmd.Wait does.
        child.on("close", (code, signal) => {
          if (waitBlocked) return; // never settles, as upstream's run never returns
          if (signal !== null) resolve(new Error(`signal: ${GO_SIGNAL_NAMES[signal] ?? signal}`));
          else if (code !== 0) resolve(new Error(`exit status ${code}`));
          else resolve(undefined);
        });
      });
  logged.end(); // run: loggingWriter.Close(); <-stdouterrch (LogOutput reads to EOF unless it already gave up)

  if (exit !== undefined) {
    // run: fmt.Errorf("%w: running %q:\n%s", err, command, stdouterrbuf.String())
    throw new Error(`${exit.message}: running ${goQuote(command)}:\n${Buffer.concat(combined).toString("utf8")}`);
  }
  // run: strings.TrimSuffix(buf, "\n") — exactly one trailing newline is dropped.
  return {
    stdout: trimOneNewline(Buffer.concat(stdout).toString("utf8")),
    stderr: trimOneNewline(Buffer.concat(stderr).toString("utf8")),
  };
}

function trimOneNewline(s: string): string {
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/** The errors cmd.Start returns before anything runs (os/exec_posix.go startProcess stats Dir and names it "chdir"). */
function startError(program: string, cwd: string): Error | undefined {
  const found = lookPath(program);
  if (found instanceof Error) return found;
  try {
    if (!statSync(cwd).isDirectory()) return new Error(`chdir ${cwd}: not a directory`);
  } catch {
    return new Error(`chdir ${cwd}: no such file or directory`);
  }
  try {
    accessSync(found, constants.X_OK);
  } catch {
    return new Error(`fork/exec ${found}: no such file or directory`);
  }
  return undefined;
}
