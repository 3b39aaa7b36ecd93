import type { ResourceValidationPolicy } from "@pulumi/policy";
import { sqldDeployOf } from "../lib/resources";

/** Tags that move: a redeploy (or a machine replacement) could silently pick up another sqld. */
const MOVING_TAGS = ["latest", "main", "master", "nightly", "edge"];
const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** The image references of a Dockerfile's FROM lines, minus references to earlier build stages. */
export function dockerfileBaseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const images: string[] = [];
  for (const line of dockerfile.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== "FROM") continue;
    const rest = words.slice(1).filter((w) => !w.startsWith("--"));
    const ref = rest[0];
    if (!ref) continue;
    if (!stages.has(ref.toLowerCase())) images.push(ref);
    if (rest[1]?.toUpperCase() === "AS" && rest[2]) stages.add(rest[2].toLowerCase());
  }
  return images;
}

/** Pure check of one image reference: pinned means a digest, or a tag that is not a moving one. */
export function imagePinProblem(ref: string): string | undefined {
  if (DIGEST.test(ref)) return undefined;
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.indexOf(":", lastSlash + 1);
  if (colon === -1) return `image ${ref} has no tag (Docker reads that as :latest); pin a release tag such as v0.24.33 or a sha256 digest`;
  const tag = ref.slice(colon + 1);
  if (MOVING_TAGS.includes(tag.toLowerCase())) return `image ${ref} uses the moving tag "${tag}"; pin a release tag such as v0.24.33 or a sha256 digest`;
  return undefined;
}

export function sqldImageProblems(dockerfile: string | undefined, buildImage: string | undefined): string[] {
  const refs = [...(dockerfile ? dockerfileBaseImages(dockerfile) : []), ...(buildImage ? [buildImage] : [])];
  if (refs.length === 0) return ["the sqld deploy names no image (no FROM in DOCKERFILE, no [build] image): cannot tell which sqld runs"];
  return refs.flatMap((ref) => imagePinProblem(ref) ?? []);
}

export const sqldImagePinned: ResourceValidationPolicy = {
  name: "sqld-image-pinned",
  description: "The sqld image is pinned to a release tag or a sha256 digest (never latest/main or untagged).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const deploy = sqldDeployOf(args);
    if (!deploy) return;
    const buildImage = deploy.flyToml?.ok ? deploy.flyToml.toml.buildImage : undefined;
    for (const problem of sqldImageProblems(deploy.dockerfile, buildImage)) reportViolation(problem);
  },
};
