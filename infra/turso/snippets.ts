/**
 * JavaScript run with `node -e` inside the Turso scripts (rules: infra/shell/node-filter.ts). Inputs come as argv
 * (file paths and validated names) or, for secrets, the environment. Each snippet prints a JSON result or exits
 * non-zero with a `turso: ...` message on stderr. Kept in one place so the scripts stay readable.
 */

const lines = (...code: string[]) => code.join(" ");

/** Shared start: `read(i)` parses the JSON file named by argv[i]; `fail(m)` exits 1 with a message. */
const PRELUDE = lines(
  `const fail = (m) => { process.stderr.write("turso: " + m + "\\n"); process.exit(1); };`,
  `const read = (i, what) => { try { return JSON.parse(require("fs").readFileSync(process.argv[i], "utf8")); }`,
  `catch (e) { fail("the Turso API answered " + what + " with something that is not JSON"); } };`,
);

/** The API's error message from a response body file (argv[1]), token redacted, for `turso_api_error`. */
export const ERROR_MESSAGE_JS = lines(
  `const raw = require("fs").readFileSync(process.argv[1], "utf8");`,
  `let msg = raw;`,
  `try { const j = JSON.parse(raw); msg = (j && (j.error || j.message)) || raw; } catch (e) {}`,
  `if (typeof msg !== "string") msg = JSON.stringify(msg);`,
  `const t = process.env.TURSO_API_TOKEN;`,
  `if (t) msg = msg.split(t).join("[redacted]");`,
  `process.stdout.write(msg.trim().slice(0, 500) || "(empty response body)");`,
);

/** Exit 0 when the error in a response body file (argv[1]) is openapi.json createDatabase's 400 "group not found". */
export const MESSAGE_SAYS_GROUP_NOT_FOUND_JS = lines(
  `const raw = require("fs").readFileSync(process.argv[1], "utf8");`,
  `let msg = raw;`,
  `try { const j = JSON.parse(raw); msg = String((j && (j.error || j.message)) || raw); } catch (e) {}`,
  `process.exit(/group not found/i.test(msg) ? 0 : 1);`,
);

/** Prints the primary location of the group in a GET group answer (argv[1]); `locations` is deprecated (openapi BaseGroup). */
export const GROUP_PRIMARY_JS = lines(
  PRELUDE,
  `const g = (read(1, "reading the group") || {}).group || {};`,
  `if (typeof g.primary !== "string" || g.primary === "") fail("the Turso API answer for the group has no primary location");`,
  `process.stdout.write(g.primary);`,
);

/**
 * Names of the databases still in group argv[2], from a list answer (argv[1]), comma-separated. A database
 * without a `group` field counts too: when unsure, the group is kept.
 */
export const GROUP_DATABASE_NAMES_JS = lines(
  PRELUDE,
  `const j = read(1, "listing databases");`,
  `if (!j || !Array.isArray(j.databases)) fail("the Turso API answer listing databases has no databases array");`,
  `const left = j.databases.filter((d) => !d || d.group === undefined || d.group === process.argv[2]);`,
  `process.stdout.write(left.map((d) => String((d && (d.Name || d.name)) || "(unnamed)")).join(", "));`,
);

/**
 * The database script's stdout from a create/get answer (argv[1]) for database argv[2] in group argv[3].
 * An existing database in another group is an error: adopting it would silently ignore the configured group.
 * The Hostname may carry a port (`host:8443`), as a Turso-compatible API serving databases on another port
 * answers; the URL is `libsql://<Hostname>` either way.
 */
export const DATABASE_OUTPUT_JS = lines(
  PRELUDE,
  `const db = process.argv[2], group = process.argv[3];`,
  `const d = (read(1, "for database " + db) || {}).database;`,
  `if (!d || typeof d.Hostname !== "string" || !/^[a-z0-9.-]+(:[0-9]{1,5})?$/.test(d.Hostname))`,
  `  fail("the Turso API answer for database " + db + " has no valid Hostname");`,
  `if (typeof d.DbId !== "string" || d.DbId === "") fail("the Turso API answer for database " + db + " has no DbId");`,
  `if (typeof d.group === "string" && d.group !== group)`,
  `  fail("database " + db + " already exists in group " + d.group + ", not " + group + "; set group to " + d.group + " or use another database name");`,
  `process.stdout.write(JSON.stringify({ hostname: d.Hostname, dbId: d.DbId, url: "libsql://" + d.Hostname }) + "\\n");`,
);

/** The token script's stdout from a create-token answer (argv[1]), tagged with rotation key argv[2]. */
export const TOKEN_OUTPUT_JS = lines(
  PRELUDE,
  `const j = read(1, "creating a token");`,
  `if (!j || typeof j.jwt !== "string" || !/^[^\\s]+$/.test(j.jwt)) fail("the Turso API answer has no jwt");`,
  `process.stdout.write(JSON.stringify({ jwt: j.jwt, rotation: process.argv[2] }) + "\\n");`,
);

/**
 * Exit 0 when the previous stdout (env PULUMI_COMMAND_STDOUT, a secret: never in argv) holds a token minted
 * for rotation key argv[1], i.e. the update may re-print it instead of minting another.
 */
export const PREVIOUS_TOKEN_MATCHES_JS = lines(
  `let ok = false;`,
  `try { const p = JSON.parse(process.env.PULUMI_COMMAND_STDOUT || "");`,
  `ok = !!p && typeof p.jwt === "string" && p.jwt.length > 0 && p.rotation === process.argv[1]; } catch (e) {}`,
  `process.exit(ok ? 0 : 1);`,
);
