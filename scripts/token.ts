/**
 * Prints a namespace-scoped JWT signed with a stack's Ed25519 key, for operators and smoke tests:
 *   npm run -s token -- --stack dev --tenant t1 --access ro [--ttl 3600] [--json] [--key-file key.pem] [--url …]
 * (`-s` keeps npm's own banner off stdout, so `TOKEN=$(npm run -s token -- …)` captures the token alone.)
 * stdout carries only the token (so it can be captured), or with --json the gateway token route's answer
 * {token, expiresAt, url, namespaceHeader?, note?}; everything else (expiry, where to connect) goes to stderr.
 * Exit codes: 0 ok, 2 usage/configuration mistake, 1 anything else.
 */
import { mintCliToken, parseTokenArgs, TOKEN_USAGE, UsageError, type CliToken } from "./lib/mint-token";

function whereToConnect(c: CliToken["connection"]): string {
  if (c === undefined) return "url: unknown with --key-file alone (pass --url, or --stack without --key-file)\n";
  if (!("namespaceHeader" in c)) return `url: ${c.url}\n`;
  const [name, value] = Object.entries(c.namespaceHeader)[0]!;
  return `url: ${c.url} with header ${name}: ${value} (${c.note})\n`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stderr.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  try {
    const args = parseTokenArgs(argv);
    const minted = await mintCliToken(args);
    const expiresAt = new Date(minted.exp * 1000).toISOString();
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ token: minted.token, expiresAt, ...minted.connection })}\n`);
      return 0;
    }
    process.stdout.write(`${minted.token}\n`);
    process.stderr.write(`token for tenant ${args.tenant} (${args.access}) expires ${expiresAt}\n${whereToConnect(minted.connection)}`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${TOKEN_USAGE}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
