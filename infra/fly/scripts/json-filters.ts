/**
 * The `node -e` programs that read flyctl `--json` output on stdin (rules for every such program:
 * infra/shell/node-filter.ts). Each takes a mode word first and prints one plain value for the script to test;
 * scripts assign one to a `js_*` variable (shell-quote wraps the source verbatim in '...') and run it as
 * `node -e "$js_x" mode args...`.
 */

/** Go renders an empty slice as `null`; anything that is not a list means flyctl changed its output: stop. */
const READ_JSON_LIST = [
  'const raw = require("fs").readFileSync(0, "utf8").trim();',
  "const list = raw === \"\" ? [] : (JSON.parse(raw) ?? []);",
  'if (!Array.isArray(list)) { console.error("expected a JSON array from fly, got: " + raw.slice(0, 200)); process.exit(1); }',
  "const [mode, ...args] = process.argv.slice(1);",
  'const fail = (message) => { console.error(message); process.exit(1); };',
].join("\n");

/** `presence APP` → `present` | `absent`, from `fly apps list --json` (fly-go App: `Name`). */
export const APPS_FILTER_JS = [
  READ_JSON_LIST,
  'if (mode !== "presence") fail("unknown mode " + mode);',
  "const found = list.some((a) => (a.Name ?? a.name) === args[0]);",
  'console.log(found ? "present" : "absent");',
].join("\n");

/**
 * From `fly volumes list --json`, the live volumes with name NAME in region REGION:
 * `count NAME REGION` → a number; `ids NAME REGION` → ids one per line; `report NAME REGION` → the JSON stdout;
 * `smaller NAME REGION GB` → ids of volumes below GB; `larger NAME REGION GB` → "id:size" of volumes above GB.
 * Volumes on their way out are not counted, so a re-run after a destroy creates replacements.
 */
export const VOLUMES_FILTER_JS = [
  READ_JSON_LIST,
  "const [name, region, sizeArg] = args;",
  'const leaving = new Set(["destroying", "destroyed", "pending_destroy", "scheduling_destroy"]);',
  "const live = list",
  "  .filter((v) => v.name === name && v.region === region && !leaving.has(v.state))",
  "  .sort((a, b) => String(a.id).localeCompare(String(b.id)));",
  "const ids = live.map((v) => String(v.id));",
  // The ids become shell words in a `for` loop: refuse anything that is not a plain Fly volume id.
  'for (const id of ids) if (!/^vol_[a-z0-9]+$/.test(id)) fail("unexpected volume id from fly: " + JSON.stringify(id));',
  'if (mode === "count") console.log(ids.length);',
  'else if (mode === "ids") { if (ids.length > 0) console.log(ids.join("\\n")); }',
  'else if (mode === "report") console.log(JSON.stringify({ region, volumeIds: ids }));',
  'else if (mode === "smaller") { const s = live.filter((v) => Number(v.size_gb) < Number(sizeArg)).map((v) => v.id); if (s.length > 0) console.log(s.join("\\n")); }',
  'else if (mode === "larger") { const l = live.filter((v) => Number(v.size_gb) > Number(sizeArg)).map((v) => v.id + ":" + v.size_gb); if (l.length > 0) console.log(l.join(" ")); }',
  'else fail("unknown mode " + mode);',
].join("\n");

/**
 * From `fly machines list --json`: `count GROUP REGION` → how many live machines of that process group run in
 * that region; `total` → how many live machines the app has (any group, any region); `all-tagged LABEL` →
 * `yes` when there is at least one live machine and every one runs an image tagged LABEL, else `no`;
 * `elsewhere GROUP REGION` → "id:region" of the live machines of GROUP outside REGION, space-separated.
 */
export const MACHINES_FILTER_JS = [
  READ_JSON_LIST,
  "const [group, region] = args;",
  'const leaving = new Set(["destroying", "destroyed"]);',
  // Machines deployed without [processes] belong to the implicit `app` group.
  'const groupOf = (m) => (m.config && m.config.metadata && m.config.metadata.fly_process_group) || "app";',
  "const live = list.filter((m) => !leaving.has(m.state));",
  'if (mode === "count") console.log(live.filter((m) => m.region === region && groupOf(m) === group).length);',
  'else if (mode === "total") console.log(live.length);',
  // fly-go Machine.ImageRef.Tag: the deploy's --image-label.
  'else if (mode === "elsewhere") console.log(live.filter((m) => groupOf(m) === group && m.region !== region).map((m) => m.id + ":" + m.region).join(" "));',
  'else if (mode === "all-tagged") console.log(live.length > 0 && live.every((m) => m.image_ref && m.image_ref.tag === args[0]) ? "yes" : "no");',
  'else fail("unknown mode " + mode);',
].join("\n");

/**
 * From `fly ips list --json` (fly-go IPAddress: `Address`, `Type`; the shared v4 is listed as type `shared_v4`):
 * `has TYPE` → `yes` | `no`; `ours` → the shared v4 and public v6 addresses, one per line (what delete releases);
 * `report APP` → `{"hostname","sharedIpv4","ipv6"}`, the JSON stdout of create.
 */
export const IPS_FILTER_JS = [
  READ_JSON_LIST,
  "const ips = list.map((ip) => ({ type: ip.Type ?? ip.type, address: String(ip.Address ?? ip.address ?? \"\") }));",
  // Addresses become shell words in a `for` loop: accept only IP literals.
  'for (const ip of ips) if (!/^[0-9a-fA-F:.]+$/.test(ip.address)) fail("unexpected IP address from fly: " + JSON.stringify(ip.address));',
  "const ofType = (t) => ips.filter((ip) => ip.type === t).map((ip) => ip.address).sort();",
  'if (mode === "has") console.log(ofType(args[0]).length > 0 ? "yes" : "no");',
  'else if (mode === "ours") { const ours = [...ofType("shared_v4"), ...ofType("v6")]; if (ours.length > 0) console.log(ours.join("\\n")); }',
  'else if (mode === "report") console.log(JSON.stringify({ hostname: args[0] + ".fly.dev", sharedIpv4: ofType("shared_v4")[0] ?? null, ipv6: ofType("v6")[0] ?? null }));',
  'else fail("unknown mode " + mode);',
].join("\n");

/**
 * `has NAME` → `yes` | `no`, from `fly secrets list --json`: whether the app holds a secret NAME (flyctl
 * internal/command/secrets/list.go `SecretWithStatus`, json `name`; older flyctl printed fly-go `Secret` as `Name`).
 */
export const SECRETS_FILTER_JS = [
  READ_JSON_LIST,
  'if (mode !== "has") fail("unknown mode " + mode);',
  'console.log(list.some((s) => (s.name ?? s.Name) === args[0]) ? "yes" : "no");',
].join("\n");

/**
 * `named NAME` → the ids of the app's live volumes called NAME in any region, space-separated (empty: none), from
 * `fly volumes list --json` (fly-go Volume: `id`, `name`, `state`).
 */
export const NAMED_VOLUMES_FILTER_JS = [
  READ_JSON_LIST,
  'if (mode !== "named") fail("unknown mode " + mode);',
  'const leaving = new Set(["destroying", "destroyed", "pending_destroy", "scheduling_destroy"]);',
  "const ids = list.filter((v) => v.name === args[0] && !leaving.has(v.state)).map((v) => String(v.id));",
  'for (const id of ids) if (!/^vol_[a-z0-9]+$/.test(id)) fail("unexpected volume id from fly: " + JSON.stringify(id));',
  'console.log(ids.join(" "));',
].join("\n");
