/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider.
 *
 * Serves `command:local:Command` to the real Pulumi engine through `@pulumi/pulumi/provider` (see ./main.ts). Lifecycle
 * from provider/pkg/provider/local/commandController.go (Create/Update/Delete) and the pulumi-go-provider v1.3.0 code
 * it runs in (infer/resource.go `derivedResourceController` Check/Diff/Create/Update/Delete); script execution in
 * ./run-script.ts. Only local.Command: the program uses nothing else (remote.*, local.run are refused).
 *
 * Previews never reach create/update: the Node provider server does not advertise supportsPreview in Configure
 * (server.js `configure`), so the engine answers previews itself with the inputs as state (sdk plugin/
 * provider_plugin.go Create/Update, "provider does not support previews"); the SDK then sees stdout/stderr as unknown.
 * Upstream does not run scripts in preview either (commandController.go Create/Update `if preview { return }`).
 */
import { randomBytes } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import commandPackage from "@pulumi/command/package.json";
import { checkCommandInputs, inputsOf } from "./command-inputs";
import { runScript, type RunInputs, type RunOutputs } from "./run-script";
import { reveal } from "../wire";
import { deepEquals, hasValue, type WireValue } from "./wire-values";

export const COMMAND_TYPE = "command:local:Command";

/** Called for each line the script logs, with the resource URN (main.ts sends it to the engine as ephemeral info). */
export type ResourceLogger = (urn: string, line: string) => void | Promise<void>;

type Props = Record<string, WireValue>;

function typeOf(urn: string): string {
  const qualifiedType = urn.split("::")[2] ?? "";
  return qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1);
}

function requireLocalCommand(urn: string): void {
  const type = typeOf(urn);
  if (type !== COMMAND_TYPE) throw new Error(`${type} is not implemented by this TEST DOUBLE of pulumi-command (only ${COMMAND_TYPE})`);
}

/** Properties with a value only: the go-provider encodes a struct, so a nil optional field is absent, never null. */
function withValues(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => hasValue(v)));
}

function runInputsOf(props: Props): RunInputs {
  const plain = reveal(inputsOf(withValues(props))) as Record<string, unknown>;
  return {
    stdin: plain.stdin as string | undefined,
    logging: plain.logging as string | undefined,
    interpreter: plain.interpreter as string[] | undefined,
    dir: plain.dir as string | undefined,
    environment: plain.environment as Record<string, string> | undefined,
    addPreviousOutputInEnv: plain.addPreviousOutputInEnv as boolean | undefined,
  };
}

/** The stored BaseOutputs; stdout may be secret in state (additionalSecretOutputs), the script gets the plain text. */
function storedOutputsOf(state: Props): RunOutputs {
  return { stdout: (reveal(state.stdout) as string | undefined) ?? "", stderr: (reveal(state.stderr) as string | undefined) ?? "" };
}

function scriptOf(props: Props, name: "create" | "update" | "delete"): string | undefined {
  return hasValue(props[name]) ? (reveal(props[name]) as string) : undefined;
}

/**
 * Runs a script with its lines sent to `logLine`, and waits for every line to be delivered before returning, as run
 * waits for its LogOutput goroutine (`<-stdouterrch`) and each InfoStatus is a synchronous RPC.
 */
async function runLogged(logLine: ResourceLogger, urn: string, script: string, inputs: RunInputs, previous: RunOutputs): Promise<RunOutputs> {
  const delivered: Promise<void>[] = [];
  try {
    return await runScript(script, inputs, previous, (line) => void delivered.push(Promise.resolve(logLine(urn, line))));
  } finally {
    await Promise.allSettled(delivered);
  }
}

export class CommandProvider implements provider.Provider {
  /** The plugin reports the version the SDK asks for (node_modules/@pulumi/command/package.json). */
  readonly version: string = commandPackage.version;

  constructor(private readonly logLine: ResourceLogger) {}

  async check(urn: string, _olds: Props, news: Props): Promise<provider.CheckResult> {
    requireLocalCommand(urn);
    const failures = checkCommandInputs(news);
    // infer/resource.go Check: on failures the raw inputs come back with the failures; else the decoded-and-encoded
    // inputs, which drops null fields (nil pointers are not encoded).
    return failures.length > 0 ? { inputs: news, failures } : { inputs: withValues(news) };
  }

  async diff(_id: string, urn: string, olds: Props, news: Props): Promise<provider.DiffResult> {
    requireLocalCommand(urn);
    // infer/resource.go diff: "version" and "__"-prefixed inputs are internal and ignored.
    const newInputs = Object.fromEntries(Object.entries(news).filter(([k]) => k !== "version" && !k.startsWith("__")));
    // diff: old inputs are the input fields of the state when the engine's old inputs are not used; the state embeds
    // the inputs unchanged (local/command.go CommandOutputs), so both give the same answer.
    const oldInputs = inputsOf(olds);
    const changed = [...new Set([...Object.keys(oldInputs), ...Object.keys(newInputs)])].filter((k) => {
      const [o, n] = [oldInputs[k], newInputs[k]];
      return hasValue(o) || hasValue(n) ? !(hasValue(o) && hasValue(n) && deepEquals(o, n)) : false;
    });
    // common/inputs.go: `triggers` is `provider:"replaceOnChanges"`; every other input is an update (Command
    // implements CustomUpdate, infer/resource.go Diff `forceReplace`). Upstream reports element paths
    // ("triggers[0]") and the SDK's replaceOnChanges ["triggers[*]"] (sdk command.js) makes the engine replace; the
    // Node server carries no detailed diff, so the double names the top-level property, with the same outcome.
    return {
      changes: changed.length > 0,
      replaces: changed.includes("triggers") ? ["triggers"] : [],
      // deleteBeforeReplace is never set upstream (infer/resource.go diff "TODO"): create the new one, then delete.
    };
  }

  async create(urn: string, inputs: Props): Promise<provider.CreateResult> {
    requireLocalCommand(urn);
    const name = urn.split("::")[3] ?? "";
    // commandController.go Create: id = resource.NewUniqueHex(name, 8, 0), the name and 8 hex characters.
    const id = name + randomBytes(4).toString("hex");
    const state = withValues(inputs);
    const create = scriptOf(state, "create");
    if (create === undefined) return { id, outs: { ...state, stdout: "", stderr: "" } };
    // Create: run(ctx, cmd, state.BaseInputs, &state.BaseOutputs, ...) with empty outputs, so no PULUMI_COMMAND_*.
    // A failed run is a plain error (not ResourceInitFailedError): no partial state, nothing is recorded.
    const outputs = await runLogged(this.logLine, urn, create, runInputsOf(state), { stdout: "", stderr: "" });
    // Outputs = inputs (their secret wrappers kept, ende.go Encode) + stdout/stderr. Those two are never made secret
    // by the provider: infer's default secret flow only links same-named inputs and outputs (infer/resource.go
    // ensureDefaultSecrets); `additionalSecretOutputs` is the engine's job.
    return { id, outs: { ...state, ...outputs } };
  }

  async update(_id: string, urn: string, olds: Props, news: Props): Promise<provider.UpdateResult> {
    requireLocalCommand(urn);
    // commandController.go Update: state = new inputs + the old BaseOutputs.
    const previous = storedOutputsOf(olds);
    const state = { ...withValues(inputsOf(news)), ...previous };
    // Update: `update` if set, else `create`; neither → nothing runs, old outputs kept. Whenever the engine calls
    // Update (any non-trigger input changed), the script runs, even if the script text itself is unchanged.
    const script = scriptOf(state, "update") ?? scriptOf(state, "create");
    if (script === undefined) return { outs: state };
    // Update: run with the NEW inputs (env, stdin, logging...) and previous outputs → PULUMI_COMMAND_STDOUT/STDERR.
    // On failure: plain error, no partial state, so the engine keeps the old state.
    const outputs = await runLogged(this.logLine, urn, script, runInputsOf(news), previous);
    return { outs: { ...state, ...outputs } };
  }

  async delete(_id: string, urn: string, props: Props): Promise<void> {
    requireLocalCommand(urn);
    // commandController.go Delete: the STORED state's `delete`, inputs, logging and outputs (PULUMI_COMMAND_*);
    // no delete script → nothing runs. A failure is returned, so the engine keeps the resource.
    const script = scriptOf(props, "delete");
    if (script === undefined) return;
    await runLogged(this.logLine, urn, script, runInputsOf(props), storedOutputsOf(props));
  }
}
