/**
 * The libsql-stack CrossGuard policy pack: `pulumi preview --policy-pack ./policy` (CI: pulumi/actions
 * `policyPacks: policy`). This is the ONLY place the PolicyPack is constructed: its constructor starts the gRPC
 * server the Pulumi engine talks to, so tests import ./policies/all instead.
 *
 * Dependencies: Node resolves modules by walking up the directory tree, so running from policy/ finds
 * @pulumi/policy, @pulumi/pulumi and smol-toml in the project's node_modules (`npm ci` at the root is enough).
 * policy/package.json lists them too, for a standalone install (`npm install` inside policy/).
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies/all";

new PolicyPack("libsql-stack", {
  description: "Guard rails for libsql-stack: sqld auth and private ports, data protection in prod, safe Fly deploys, secrets kept secret.",
  enforcementLevel: "mandatory",
  policies: allPolicies,
});
