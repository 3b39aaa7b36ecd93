/**
 * The metrics relay (infra/sqld/image/metrics-relay/, Go, standard library only): Fly's Prometheus scraper reads
 * sqld's metrics through it, because sqld 0.24.32 serves them only with the admin key and fly.toml `[metrics]`
 * cannot send a header (superfly/fly-go machine_types.go `MachineMetrics`: port, path, https; flyctl
 * internal/appconfig/config.go `Metrics` adds processes). Its source travels inside the generated Dockerfile (the
 * deploy's build context holds only the Dockerfile and fly.toml, infra/fly/scripts/deploy.ts), is built in a
 * pinned Go stage, and the tests build the very same files with the same command (local/sqld/metrics-relay.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Where the source lives in the repo. */
export const METRICS_RELAY_SOURCE_DIR = join(__dirname, "metrics-relay");
/** Where the Dockerfile installs the relay. */
export const METRICS_RELAY_PATH = "/usr/local/bin/sqld-metrics-relay";
/** The port Fly scrapes (fly.toml [[metrics]]); in no [[services]] or [http_service], so Fly's proxy never routes to it. */
export const METRICS_RELAY_PORT = 9091;
/** The path Fly scrapes; the relay answers nothing else. */
export const METRICS_PATH = "/metrics";
/**
 * fly.toml [env] variable naming the relay's listen address. IPv4 only (Fly scrapes on 0.0.0.0; 6PN is IPv6), so
 * no other app of the organisation reaches it. Unset: the entrypoint starts no relay.
 */
export const METRICS_RELAY_LISTEN_ENV = "METRICS_RELAY_LISTEN_ADDR";
export const METRICS_RELAY_LISTEN_ADDR = `0.0.0.0:${METRICS_RELAY_PORT}`;
/**
 * The Go build stage's image. Pinned to the Go minor release go.mod names (`go 1.26`), which the tests check
 * against the Go they build with. A tag, not a digest: nothing here can resolve a digest offline.
 */
export const METRICS_RELAY_GO_IMAGE = "golang:1.26-bookworm";

/**
 * The build, run in the source dir as `sh -c "$METRICS_RELAY_BUILD" build OUT`: a static binary (no libc needed on
 * debian slim), no network (GOPROXY=off: the standard library is all it uses), no toolchain download, no VCS
 * stamp (the tests build inside a git worktree, the image outside one: the bytes must not depend on it).
 */
export const METRICS_RELAY_BUILD = 'CGO_ENABLED=0 GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go build -trimpath -ldflags=-s -o "$1" .';

/** The source files the relay is built from (go.mod and every non-test .go file), sorted, with their text. */
export function metricsRelaySources(dir = METRICS_RELAY_SOURCE_DIR): { name: string; text: string }[] {
  return readdirSync(dir)
    .filter((name) => name === "go.mod" || (name.endsWith(".go") && !name.endsWith("_test.go")))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8") }));
}
