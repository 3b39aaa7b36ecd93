/**
 * Prints a namespace-scoped JWT signed with a stack's Ed25519 key, for operators and smoke tests:
 *   npm run -s token -- --stack dev --tenant t1 --access ro [--ttl 3600] [--key-file key.pem]
 * (`-s` keeps npm's own banner off stdout, so `TOKEN=$(npm run -s token -- …)` captures the token alone.)
 * stdout carries only the token (so it can be captured); everything else goes to stderr.
 * Exit codes: 0 ok, 2 usage/configuration mistake, 1 anything else.
 */
import { mintCliToken, parseTokenArgs, TOKEN_USAGE, UsageError } from "./lib/mint-token";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stderr.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  try {
    const args = parseTokenArgs(argv);
    const minted = await mintCliToken(args);
    process.stdout.write(`${minted.token}\n`);
    process.stderr.write(`token for tenant ${args.tenant} (${args.access}) expires ${new Date(minted.exp * 1000).toISOString()}\n`);
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
