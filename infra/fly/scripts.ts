/**
 * Pure builders of the POSIX sh scripts that drive flyctl (see ./contract.ts for the rules every script keeps).
 * One file per Fly resource under ./scripts/; this module is the import point for the Pulumi components.
 */
export { appScripts } from "./scripts/app";
export { volumeScripts } from "./scripts/volumes";
export { flySecretsImportInput, secretsScripts, type SecretEntry } from "./scripts/secrets";
export { deployScripts } from "./scripts/deploy";
export { scaleScripts } from "./scripts/scale";
export { ipScripts } from "./scripts/ips";
export { primaryGuardScripts } from "./scripts/primary-guard";
export { encryptionGuardLine, encryptionGuardScripts } from "./scripts/encryption-guard";
export { certScripts } from "./scripts/certs";
