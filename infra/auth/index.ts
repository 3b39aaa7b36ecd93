import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { encryptionKeyId, sqldJwtKeyValue } from "./keys";


export interface StackKeysArgs {
  /** Generation of the Ed25519 JWT signing key; bump it to rotate (replaces the key, sqld's secret and the Worker). @default 1 */
  signingKeyVersion?: number;
  /**
   * The newest signing-key generation already retired. Until it reaches `signingKeyVersion - 1`, the previous
   * generation stays in the program as a verify-only key: sqld (global key and every tenant namespace) accepts
   * tokens of both, the Worker and the token CLI sign with the new one. Set it to `signingKeyVersion - 1` on a
   * second `up` to delete the old key; its tokens then fail. @default 0 (no generation retired)
   */
  retiredSigningKeyVersion?: number;
  /** Generation of the sqld admin key; bump it to rotate. @default 1 */
  adminKeyVersion?: number;
  /** Create sqld's admin key (self-hosted mode only). @default true */
  withAdminKey?: boolean;
  /**
   * Create sqld's encryption-at-rest key (`sqld.encryptionAtRest`). It is made once and never rotated (sqld 0.24.32
   * has no rekey), so it has no version; `protect` refuses its deletion or replacement while the encrypted volumes
   * outlive the stack. @default undefined (no key)
   */
  encryptionKey?: { protect: boolean };
}

/**
 * The stack's credentials: an Ed25519 key pair for JWTs (the Worker signs, sqld verifies) and sqld's admin key.
 * Private material only ever leaves this component as Pulumi secrets.
 */
export class StackKeys extends pulumi.ComponentResource {
  /** PKCS#8 PEM of the signing key, for the Worker's `JWT_PRIVATE_KEY` (secret). */
  readonly jwtPrivateKeyPem: pulumi.Output<string>;
  /** PKIX PEM public key (not secret; sqld accepts it too). */
  readonly jwtPublicKeyPem: pulumi.Output<string>;
  /**
   * sqld's SQLD_AUTH_JWT_KEY: the raw public key as unpadded base64url; while a previous generation is kept, the
   * PEMs of both (new first) on one line (see keys.ts sqldJwtKeyValue).
   */
  readonly sqldJwtKey: pulumi.Output<string>;
  /** PKCS#8 PEM of the previous generation while it is not retired (secret), else undefined. Verify-only. */
  readonly previousJwtPrivateKeyPem: pulumi.Output<string> | undefined;
  /** sqld's LIBSQL_ADMIN_AUTH_KEY (secret); undefined when `withAdminKey` is false. */
  readonly adminKey: pulumi.Output<string> | undefined;
  /** sqld's SQLD_ENCRYPTION_KEY (secret) and its public id (keys.ts encryptionKeyId); undefined without `encryptionKey`. */
  readonly encryption: { key: pulumi.Output<string>; keyId: pulumi.Output<string> } | undefined;

  constructor(name: string, args: StackKeysArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:auth:StackKeys", name, {}, opts);
    const signingVersion = args.signingKeyVersion ?? 1;
    const previousVersion = signingVersion - 1;
    const keepPrevious = previousVersion >= 1 && previousVersion > (args.retiredSigningKeyVersion ?? 0);
    // A name per generation: a bump creates the new key and keeps the old one (same name, same state) until
    // retiredSigningKeyVersion drops it from the program, and Pulumi deletes it.
    const generation = (version: number) =>
      new tls.PrivateKey(
        `${name}-signing-key-v${version}`,
        { algorithm: "ED25519" },
        { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"] },
      );
    const signingKey = generation(signingVersion);
    const previousKey = keepPrevious ? generation(previousVersion) : undefined;
    const admin =
      args.withAdminKey === false
        ? undefined
        : new random.RandomPassword(
            `${name}-admin-key`,
            // No special characters: the key travels in an HTTP header (`Authorization: Basic <key>`) and NAME=VALUE lines.
            { length: 48, special: false, keepers: { version: String(args.adminKeyVersion ?? 1) } },
            { parent: this },
          );
    // No keepers: nothing in the config replaces it. sqld takes the value as raw key bytes, any length (libsql-server
    // src/main.rs `Cli::encryption_key: Option<bytes::Bytes>`, `make_db_config` → Cipher::Aes256Cbc); 64 letters and
    // digits survive `fly secrets import` lines and carry ~380 bits.
    const encryptionKey =
      args.encryptionKey &&
      new random.RandomPassword(`${name}-encryption-key`, { length: 64, special: false }, { parent: this, protect: args.encryptionKey.protect });
    this.jwtPrivateKeyPem = pulumi.secret(signingKey.privateKeyPemPkcs8);
    this.jwtPublicKeyPem = signingKey.publicKeyPem;
    this.sqldJwtKey = pulumi.all([signingKey.publicKeyPem, ...(previousKey ? [previousKey.publicKeyPem] : [])]).apply(sqldJwtKeyValue);
    this.previousJwtPrivateKeyPem = previousKey && pulumi.secret(previousKey.privateKeyPemPkcs8);
    this.adminKey = admin && pulumi.secret(admin.result);
    // The id is derived from the key, so Pulumi marks it secret; it is not one (keys.ts encryptionKeyId), and the
    // guard prints it to compare runs.
    this.encryption = encryptionKey && { key: pulumi.secret(encryptionKey.result), keyId: pulumi.unsecret(encryptionKey.result.apply(encryptionKeyId)) };
    this.registerOutputs({ jwtPublicKeyPem: this.jwtPublicKeyPem, sqldJwtKey: this.sqldJwtKey });
  }
}
