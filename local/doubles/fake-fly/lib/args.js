// TEST DOUBLE of flyctl (not the real CLI): a pflag-like parser for the flags each fake command declares.
"use strict";
const { UsageError } = require("./errors");

/**
 * Flags every flyctl command accepts: root.go's PersistentFlags (access-token, verbose, debug), and nothing else;
 * `--json` is per command (see JSON_COMMANDS in ../fly). Tokens in argv are refused: they belong in FLY_API_TOKEN.
 */
const GLOBAL_FLAGS = {
  verbose: { type: "bool" },
  debug: { type: "bool" },
  "access-token": { type: "string", short: "t", forbidden: "tokens must come from FLY_API_TOKEN / FLY_ACCESS_TOKEN, never argv" },
};

function parseBool(name, value) {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  throw new UsageError(`invalid argument "${value}" for "--${name}" flag: expected true or false`);
}

/**
 * Parses `args` (argv after the command words) against `flagSpec` ({name: {type: "bool"|"string", short?}}).
 * Returns {flags, positionals}. Unknown flags are a UsageError, like cobra's "unknown flag".
 */
function parseArgs(args, flagSpec) {
  const spec = { ...GLOBAL_FLAGS, ...flagSpec };
  const byShort = {};
  for (const [name, s] of Object.entries(spec)) if (s.short) byShort[s.short] = name;
  const flags = {};
  const positionals = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let name;
    let inline;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith("-") && arg.length > 1) {
      name = byShort[arg[1]];
      if (!name) throw new UsageError(`unknown shorthand flag: '${arg[1]}' in ${arg}`);
      const rest = arg.slice(2);
      inline = rest === "" ? undefined : rest.replace(/^=/, "");
    } else {
      positionals.push(arg);
      continue;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag: --${name}`);
    if (s.forbidden) throw new UsageError(`--${name}: ${s.forbidden}`);
    if (s.type === "bool") {
      flags[name] = parseBool(name, inline);
    } else {
      let value = inline;
      if (value === undefined) {
        if (i + 1 >= args.length) throw new UsageError(`flag needs an argument: --${name}`);
        value = args[++i];
      }
      flags[name] = value;
    }
  }
  return { flags, positionals };
}

/** An integer flag or positional, or a UsageError naming it. */
function intArg(name, value) {
  if (!/^-?[0-9]+$/.test(String(value))) throw new UsageError(`invalid argument "${value}" for ${name}: not an integer`);
  return Number(value);
}

module.exports = { parseArgs, intArg };
