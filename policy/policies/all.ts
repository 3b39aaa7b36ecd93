import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { prodDataProtected } from "./data-protection";
import { bluegreenNeedsHealthCheck, noTwoMachineStrategyWithVolumes } from "./deploy-strategy";
import { noPlaintextSecretsInCommands } from "./command-secrets";
import { prodNeedsTwoRegions } from "./prod-regions";
import { sqldHardenedImage } from "./sqld-hardened-image";
import { sqldJwtAuthRequired } from "./sqld-jwt-auth";
import { sqldPrivatePortsNotPublic } from "./sqld-private-ports";
import { workerSecretsAreSecretText } from "./worker-secrets";
import { flyDnsOnly } from "./fly-dns-only";

/**
 * Every policy of the pack, in one list that policy/index.ts hands to the PolicyPack and the tests run
 * directly (constructing a PolicyPack starts a gRPC server, so tests never do).
 */
export const allPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  sqldJwtAuthRequired,
  sqldPrivatePortsNotPublic,
  prodDataProtected,
  noTwoMachineStrategyWithVolumes,
  bluegreenNeedsHealthCheck,
  workerSecretsAreSecretText,
  noPlaintextSecretsInCommands,
  sqldHardenedImage,
  prodNeedsTwoRegions,
  flyDnsOnly,
];
