/**
 * Reading the facts policies need out of the generated sh scripts. The script builders (infra/fly/scripts, through
 * infra/shell shellAssignments) put every parameter in a `name=value` line at the top and then use "$name", so a
 * policy reads those assignments instead of re-implementing flyctl's argument parser. Pure: strings in, strings out.
 */

/** Undo the quoting shell-quote (and people) use for one word: '...', "...", or backslash escapes. */
export function unquoteShellWord(word: string): string {
  let out = "";
  let i = 0;
  while (i < word.length) {
    const c = word[i]!;
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      const stop = end === -1 ? word.length : end;
      out += word.slice(i + 1, stop);
      i = stop + 1;
    } else if (c === '"') {
      i += 1;
      while (i < word.length && word[i] !== '"') {
        if (word[i] === "\\" && i + 1 < word.length && '"\\$`'.includes(word[i + 1]!)) i += 1;
        out += word[i]!;
        i += 1;
      }
      i += 1;
    } else if (c === "\\" && i + 1 < word.length) {
      out += word[i + 1]!;
      i += 2;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(\S.*)?$/;

/**
 * Top-level `name=value` lines (first one wins, like the builders emit them once). Values that span lines
 * (the embedded JavaScript filters) are skipped: no policy needs them.
 */
export function shellAssignments(script: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of script.split("\n")) {
    const m = ASSIGNMENT.exec(line);
    if (!m || found.has(m[1]!)) continue;
    const raw = m[2] ?? "";
    const quotes = (raw.match(/(?<!\\)'/g) ?? []).length;
    if (quotes % 2 === 1) continue; // a multi-line single-quoted value starts here
    found.set(m[1]!, unquoteShellWord(raw));
  }
  return found;
}

/** Resolve `"$name"`, `${name}` or `$name` through the script's assignments; literals come back unquoted. */
export function resolveShellValue(word: string, script: string): string | undefined {
  const plain = unquoteShellWord(word);
  const ref = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(plain);
  if (!ref) return plain;
  return shellAssignments(script).get(ref[1]!);
}

/** The value of `--flag value` / `--flag=value` on the first line that runs `command` (e.g. "fly deploy"). */
export function flagValue(script: string, command: RegExp, flags: readonly string[]): string | undefined {
  for (const line of script.split("\n")) {
    if (!command.test(line)) continue;
    const words = line.trim().split(/\s+/);
    for (let i = 0; i < words.length; i += 1) {
      const w = words[i]!;
      for (const flag of flags) {
        if (w === flag && i + 1 < words.length) return resolveShellValue(words[i + 1]!, script);
        if (w.startsWith(`${flag}=`)) return resolveShellValue(w.slice(flag.length + 1), script);
      }
    }
  }
  return undefined;
}

/** The Fly app a script works on: `app=<name>` (builders) or `-a <name>` on a fly command line. */
export function scriptApp(script: string): string | undefined {
  return shellAssignments(script).get("app") ?? flagValue(script, /\bfly(ctl)?\s/, ["-a", "--app"]);
}

/** Names passed to `fly secrets unset A B C`, which the secrets builder uses to undo exactly what it imported. */
export function unsetSecretNames(script: string): string[] {
  const line = script.split("\n").find((l) => /\bfly(ctl)?\s+secrets\s+unset\s/.test(l));
  if (!line) return [];
  const words = line.trim().split(/\s+/);
  const start = words.indexOf("unset") + 1;
  const names: string[] = [];
  for (const w of words.slice(start)) {
    if (w.startsWith("-") || w.startsWith(">")) break;
    names.push(unquoteShellWord(w));
  }
  return names;
}

/** NAME=VALUE lines as `fly secrets import` reads them from stdin. */
export function secretImportLines(stdin: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of stdin.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    // The stack quotes every value for flyctl's parser (infra/fly/scripts/secrets.ts flySecretImportLine):
    // `"""v"""` or `'v'`; read back the value itself so an empty one is still seen as empty.
    const raw = line.slice(eq + 1);
    const value = /^""".*"""$/s.test(raw) && raw.length >= 6 ? raw.slice(3, -3) : /^'.*'$/s.test(raw) && raw.length >= 2 ? raw.slice(1, -1) : raw;
    lines.set(line.slice(0, eq).trim(), value);
  }
  return lines;
}
