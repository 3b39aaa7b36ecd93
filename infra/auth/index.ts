import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { ed25519PublicKeyToBase64Url } from "./keys";


export interface StackKeysArgs {
  /** Generation of the Ed25519 JWT signing key; bump it to rotate (replaces the key, sqld's secret and the Worker). @default 1 */
  signingKeyVersion?: number;
  /** Generation of the sqld admin key; bump it to rotate. @default 1 */
  adminKeyVersion?: number;
  /** Create sqld's admin key (self-hosted mode only). @default true */
  withAdminKey?: boolean;
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
  /** Raw public key as unpadded base64url, the value of sqld's SQLD_AUTH_JWT_KEY. */
  readonly sqldJwtKey: pulumi.Output<string>;
  /** sqld's LIBSQL_ADMIN_AUTH_KEY (secret); undefined when `withAdminKey` is false. */
  readonly adminKey: pulumi.Output<string> | undefined;

  constructor(name: string, args: StackKeysArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:auth:StackKeys", name, {}, opts);
    const signingVersion = args.signingKeyVersion ?? 1;
    // A new name per generation: Pulumi creates the new key, rewires dependents, then deletes the old one.
    const signingKey = new tls.PrivateKey(
      `${name}-signing-key-v${signingVersion}`,
      { algorithm: "ED25519" },
      { parent: this, additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"] },
    );
    const admin =
      args.withAdminKey === false
        ? undefined
        : new random.RandomPassword(
            `${name}-admin-key`,
            // No special characters: the key travels in an HTTP header (`Authorization: Basic <key>`) and NAME=VALUE lines.
            { length: 48, special: false, keepers: { version: String(args.adminKeyVersion ?? 1) } },
            { parent: this },
          );
    this.jwtPrivateKeyPem = pulumi.secret(signingKey.privateKeyPemPkcs8);
    this.jwtPublicKeyPem = signingKey.publicKeyPem;
    this.sqldJwtKey = signingKey.publicKeyPem.apply(ed25519PublicKeyToBase64Url);
    this.adminKey = admin && pulumi.secret(admin.result);
    this.registerOutputs({ jwtPublicKeyPem: this.jwtPublicKeyPem, sqldJwtKey: this.sqldJwtKey });
  }
}
