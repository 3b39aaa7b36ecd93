/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider: the plugin entry point.
 *
 * Started by the engine as `pulumi-resource-command [--logtostderr] [-v=N] [--tracing X] <engine address>` through
 * ../bin/pulumi-resource-command. `main` prints the gRPC port on stdout and nothing else may (the engine reads it).
 */
import { main } from "@pulumi/pulumi/provider";
import { engineLogger } from "./engine-log";
import { CommandProvider } from "./provider";

/** The engine address, found as @pulumi/pulumi/provider/internals.js `parseArgs` does (not in its typings). */
function engineAddressOf(args: string[]): string | undefined {
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--logtostderr" || arg.startsWith("-v=")) continue;
    if (arg === "--tracing") {
      i++;
      continue;
    }
    rest.push(arg);
  }
  return rest[0];
}

const args = process.argv.slice(2);
void main(new CommandProvider(engineLogger(engineAddressOf(args))), args);
