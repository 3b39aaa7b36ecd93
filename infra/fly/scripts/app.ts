import { requireDeletionConsent } from "../../deletion-consent";
import type { AppScriptArgs } from "../contract";
import type { CommandScripts } from "../../shell";
import { shellAssignments, shellScript } from "../../shell";
import { exitIfAppMissing, lookUpApp } from "./shell";
import { checkAppName, checkOrgSlug } from "./validate";

/**
 * The Fly app itself. Create looks the app up first, so a re-run (or a run after someone created the app by
 * hand) is a no-op instead of a "Name has already been taken" failure. Delete destroys the app, which also
 * removes its machines, volumes and IPs on Fly's side.
 */
export function appScripts(a: AppScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkOrgSlug("org", a.org);
  const header = shellAssignments({ app: a.app, org: a.org });

  const create = shellScript([
    ...header,
    ...lookUpApp(),
    'if [ "$app_state" = present ]; then',
    '  printf "Fly app %s already exists; nothing to create.\\n" "$app" >&2',
    "else",
    // Progress goes to stderr: stdout stays empty, so a re-run produces the same Pulumi output.
    '  fly apps create "$app" --org "$org" --json >&2',
    "fi",
  ]);

  // `fly apps destroy` takes the app's volumes with it: for an app that holds data it needs the run-time consent too.
  const consent = a.holdsData ? requireDeletionConsent(a.app, `Fly app ${a.app} and its volumes`) : [];
  const destroy = shellScript([...header, ...consent, ...exitIfAppMissing("app deletion"), 'fly apps destroy "$app" --yes']);

  return { create, delete: destroy };
}
