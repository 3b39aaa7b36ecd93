/**
 * Recognising credentials written out in plain text. Heuristics, tuned so that the scripts this project
 * generates (which reference secrets only as "$NAME" and receive them on stdin/environment) never match,
 * while the usual ways a literal slips in do: a pasted PEM key, `Authorization: Bearer <token>`, an
 * `export FLY_API_TOKEN=...`, a random-looking string assigned to a name containing KEY, TOKEN or SECRET.
 * Findings never include the secret itself: violation messages end up in CI logs and PR comments.
 */

export interface SecretFinding {
  /** What was recognised, e.g. "PEM private key". */
  kind: string;
  /** 1-based line in the scanned text. */
  line: number;
}

/** Bits per character; random base64 scores ~5-6, words and identifiers ~3-4. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const JWT = /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;

/** Looks generated rather than written: long, one word, upper+lower+digits, high entropy. Hex digests don't qualify. */
export function looksRandomToken(value: string): boolean {
  return (
    value.length >= 24 &&
    /^[A-Za-z0-9+/_=.-]+$/.test(value) &&
    /[a-z]/.test(value) &&
    /[A-Z]/.test(value) &&
    /\d/.test(value) &&
    shannonEntropy(value) >= 3.5
  );
}

/** A literal after `Bearer`/`Basic`: not a variable or format string, and not an English word. */
function credentialLiteral(value: string): boolean {
  if (value.length < 12) return false;
  return (/\d/.test(value) && /[A-Za-z]/.test(value)) || /[a-z][A-Z]/.test(value) || /[+/=]/.test(value);
}

/** What a single value (e.g. a Worker binding's text) looks like, if it looks like a credential. */
export function secretLikeValue(value: string): string | undefined {
  if (PEM_PRIVATE_KEY.test(value)) return "PEM private key";
  const trimmed = value.trim();
  if (JWT.test(trimmed)) return "JWT";
  const auth = /^(Bearer|Basic)\s+(\S+)$/.exec(trimmed);
  if (auth && credentialLiteral(auth[2]!)) return `${auth[1]} credential`;
  if (!trimmed.includes("://") && looksRandomToken(trimmed)) return "random-looking token";
  return undefined;
}

/** Vendor tokens the stack's tooling reads from the environment: they must come from CI secrets, never a script. */
const TOKEN_VARIABLES = ["FLY_API_TOKEN", "FLY_ACCESS_TOKEN", "TURSO_API_TOKEN", "CLOUDFLARE_API_TOKEN"];
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD)/i;

interface Rule {
  kind: string;
  pattern: RegExp;
  /** Decides on one match; defaults to "every match is a finding". */
  accept?: (m: RegExpExecArray) => boolean;
}

const isLiteral = (raw: string) => {
  const value = raw.replace(/^["']|["']$/g, "");
  return value.length > 0 && !value.startsWith("$");
};

const RULES: Rule[] = [
  { kind: "PEM private key", pattern: new RegExp(PEM_PRIVATE_KEY.source, "g") },
  { kind: "literal Bearer credential", pattern: /\bBearer\s+([A-Za-z0-9._~+/-]+=*)/g, accept: (m) => credentialLiteral(m[1]!) },
  { kind: "literal Basic credential", pattern: /\bBasic\s+([A-Za-z0-9._~+/-]+=*)/g, accept: (m) => credentialLiteral(m[1]!) },
  {
    kind: "vendor API token assigned a literal",
    pattern: new RegExp(`\\b(?:${TOKEN_VARIABLES.join("|")})=("[^"]*"|'[^']*'|[^\\s;|&)]*)`, "g"),
    accept: (m) => isLiteral(m[1]!),
  },
  { kind: "literal --access-token", pattern: /--access-token[= ]+(\S+)/g, accept: (m) => isLiteral(m[1]!) },
  {
    kind: "random-looking value assigned to a key/token/secret name",
    pattern: /\b([A-Za-z_][A-Za-z0-9_]*)["']?\s*[=:]\s*["']?([A-Za-z0-9+/_-]{24,}={0,2})/g,
    accept: (m) => SECRET_NAME.test(m[1]!) && looksRandomToken(m[2]!),
  },
];

/** Every plaintext credential in a script (or any text), with its line. */
export function findPlaintextSecrets(text: string): SecretFinding[] {
  // Rules run most specific first; one finding per line (a token line often matches several rules).
  const findings: SecretFinding[] = [];
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    for (let m = rule.pattern.exec(text); m; m = rule.pattern.exec(text)) {
      if (rule.accept && !rule.accept(m)) continue;
      const line = text.slice(0, m.index).split("\n").length;
      if (!findings.some((f) => f.line === line)) findings.push({ kind: rule.kind, line });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}
