/**
 * TEST DOUBLE of pulumi-command v1.2.1 (local.Command), not the real provider: the engine log sink.
 *
 * Upstream logs each script line with Logger.InfoStatus (provider/pkg/provider/util/util.go `LogOutput`), which
 * pulumi-go-provider v1.3.0 sends as host.LogStatus (logging.go `hostSink.LogStatus`): an Engine.Log RPC with
 * severity INFO, the resource URN and ephemeral=true. `@pulumi/pulumi`'s `log.info` needs a Resource object for the
 * URN, so the double calls Engine.Log itself, in order, one line at a time.
 */
import { createRequire } from "node:module";
import type * as grpcTypes from "@grpc/grpc-js";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import * as engineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { ResourceLogger } from "./provider";

// The same @grpc/grpc-js copy @pulumi/pulumi's generated clients use.
const grpc = createRequire(require.resolve("@pulumi/pulumi"))("@grpc/grpc-js") as typeof grpcTypes;

export function engineLogger(engineAddress: string | undefined): ResourceLogger {
  if (engineAddress === undefined) return () => undefined; // started without an engine (no one to show logs to)
  const engine = new engineRpc.EngineClient(engineAddress, grpc.credentials.createInsecure());
  let last: Promise<void> = Promise.resolve();
  return (urn, line) => {
    const request = new engineProto.LogRequest();
    request.setSeverity(engineProto.LogSeverity.INFO);
    request.setMessage(line);
    request.setUrn(urn);
    request.setEphemeral(true);
    last = last.then(() => new Promise<void>((resolve) => engine.log(request, () => resolve())));
    return last;
  };
}
