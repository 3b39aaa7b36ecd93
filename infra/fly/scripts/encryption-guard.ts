import type { CommandScripts } from "../../shell";
import { NAMED_VOLUMES_FILTER_JS, SECRETS_FILTER_JS } from "./json-filters";
import { shellAssignments, shellScript, shellWord } from "../../shell";
import { checkAppName, checkSecretName, checkVolumeName } from "./validate";

export interface EncryptionGuardScriptArgs {
  app: string;
  /** Whether the config encrypts at rest (`sqld.encryptionAtRest`). */
  encrypted: boolean;
  /** The Fly secret that holds sqld's key (`SQLD_ENCRYPTION_KEY`). */
  secret: string;
  /** The sqld volume name: volumes of that name hold the data. */
  volumeName: string;
  /** The config key named in every refusal, e.g. `libsql-stack:sqld.encryptionAtRest`. */
  configKey: string;
}

/** The line the guard prints when it passes; the next run reads the key id back from PULUMI_COMMAND_STDOUT. */
export const encryptionGuardLine = (keyId: string | undefined) => (keyId ? `encryption at rest: on, key id ${keyId}` : "encryption at rest: off");

/**
 * Refuses, before any Fly change, an `up` after which sqld could not read the app's data (sqld 0.24.32, observed:
 * docs/encryption-at-rest-facts.md). sqld never says so itself: with a wrong or missing key it starts, /health is 200
 * and every query is 500 "file is not a database". The app's own state decides, so a lost Pulumi state is caught too:
 * - the app holds the key secret but the config turns encryption off: the volumes are encrypted;
 * - the app holds the key secret but this stack's key id differs from the one its previous run printed (a new key,
 *   or a new stack state in front of an encrypted app): Fly keeps values write-only, so the id is the only link;
 * - the app has no key secret, the config turns encryption on, and sqld volumes exist: they hold plain data, which
 *   sqld with a key cannot read and does not convert.
 * Runs when its inputs change (the on/off choice, the key id in ENCRYPTION_KEY_ID) or on create; the volumes, the
 * secrets and the deploy depend on it, so a refusal changes no secret and restarts no machine. Calls only
 * `fly secrets list` and `fly volumes list`. No delete step: nothing to undo.
 */
export function encryptionGuardScripts(a: EncryptionGuardScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkSecretName("secret", a.secret);
  checkVolumeName("volumeName", a.volumeName);
  // `why` has one %s (the value in $detail) and no other printf directive; it reaches printf as one quoted word.
  const refuse = (why: string, fix: string) => {
    if (/%(?!s)|\\/.test(why) || (why + fix).split("%s").length !== 2) throw new Error("internal: a refusal needs exactly one %s and no backslash");
    return [`  printf ${shellWord(`%s: %s ${why} ${fix} Nothing was changed.\n`)} ${shellWord(a.configKey)} "$app" "$detail" >&2`, "  exit 1"];
  };
  const create = shellScript([
    ...shellAssignments({ app: a.app, want: a.encrypted ? "on" : "off", secret: a.secret, volume: a.volumeName, js_secrets: SECRETS_FILTER_JS, js_volumes: NAMED_VOLUMES_FILTER_JS }),
    'key_id="${ENCRYPTION_KEY_ID:-}"',
    'if [ "$want" = on ] && ! printf "%s" "$key_id" | grep -Eq "^[0-9a-f]{16}$"; then echo "internal: ENCRYPTION_KEY_ID must be 16 hex digits" >&2; exit 1; fi',
    // The id this guard printed when it last passed (none on create, or when encryption was off).
    `previous=$(printf '%s\\n' "\${PULUMI_COMMAND_STDOUT:-}" | sed -n 's/^encryption at rest: on, key id \\([0-9a-f]\\{16\\}\\)$/\\1/p')`,
    'secrets_json=$(fly secrets list -a "$app" --json)',
    'held=$(printf "%s" "$secrets_json" | node -e "$js_secrets" has "$secret")',
    'if [ "$held" = yes ] && [ "$want" = off ]; then',
    '  detail=$secret',
    ...refuse(
      'holds %s: its volumes are encrypted at rest, and sqld without the key answers every query with 500 "file is not a database".',
      'Keep sqld.encryptionAtRest: true; to store the data plain again, move the tenants into a new stack (README "Encryption at rest").',
    ),
    "fi",
    'if [ "$held" = yes ] && [ "$previous" != "$key_id" ]; then',
    '  detail=$secret',
    ...refuse(
      "holds a %s this stack did not set (its key was replaced, or this stack state is not the one that encrypted the app): with another key sqld reads none of the data.",
      "Restore the stack state that holds the key (pulumi stack import), or deploy to a new fly.app.",
    ),
    "fi",
    'if [ "$held" = no ] && [ "$want" = on ]; then',
    '  volumes_json=$(fly volumes list -a "$app" --json)',
    '  volumes=$(printf "%s" "$volumes_json" | node -e "$js_volumes" named "$volume")',
    '  if [ -n "$volumes" ]; then',
    '    detail=$volumes',
    ...refuse(
      'already has sqld volumes (%s) written without encryption: sqld with a key cannot read them (500 "file is not a database") and converts nothing.',
      'Keep sqld.encryptionAtRest: false, or deploy an encrypted stack to a new fly.app and move the tenants over (README "Encryption at rest").',
    ).map((line) => `  ${line}`),
    "  fi",
    "fi",
    'if [ "$want" = on ]; then echo "encryption at rest: on, key id $key_id"; else echo "encryption at rest: off"; fi',
  ]);
  return { create };
}
