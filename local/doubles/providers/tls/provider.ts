/**
 * TEST DOUBLE of the Pulumi tls provider 5.6.1 (@pulumi/tls), not the real provider: PrivateKey, SelfSignedCert,
 * CertRequest and LocallySignedCert as hashicorp/terraform-provider-tls v4.2.1 internal/provider/resource_*.go
 * define them (schemas, defaults, validators, RequiresReplace). Runs in the real engine as `pulumi-resource-tls`.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { changedKeys, containsUnknown, outputsWithSecrets, reveal, typeOfUrn, withDefaults, type Props } from "../wire";
import { certRequest, locallySignedCert, selfSignedCert, SUPPORTED_USES, type CertOptions, type Subject } from "./certs";
import { algorithmOf, ECDSA_CURVES, generatePrivateKey, hashForState, parsePrivateKeyPem, pkcs8Pem, privateKeyOpenssh, privateKeyPem, publicKeyAttributes, type Algorithm } from "./keys";

const VERSION = "5.6.1";
export const TLS_TYPES = {
  privateKey: "tls:index/privateKey:PrivateKey",
  selfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  certRequest: "tls:index/certRequest:CertRequest",
  locallySignedCert: "tls:index/locallySignedCert:LocallySignedCert",
} as const;

interface Schema {
  /** Inputs; every one is RequiresReplace / requireReplaceIfStateContainsPEMString upstream except `updatable`. */
  inputs: string[];
  updatable?: string[];
  required: string[];
  defaults: Props;
  /** `Sensitive: true` attributes. */
  sensitive: string[];
  /** Write-only inputs (@pulumi/tls 5.6.1 has them from a newer upstream): not implemented by this double. */
  writeOnly?: string[];
}
const SANS = ["dnsNames", "ipAddresses", "uris"];
const CERT = ["validityPeriodHours", "allowedUses", "isCaCertificate", "maxPathLength", "earlyRenewalHours", "setSubjectKeyId"];
const CERT_DEFAULTS = { earlyRenewalHours: 0, isCaCertificate: false, setSubjectKeyId: false };
const SCHEMAS: Record<string, Schema> = {
  // resource_private_key.go: algorithm, rsa_bits (default 2048), ecdsa_curve (default P224) all RequiresReplace.
  [TLS_TYPES.privateKey]: { inputs: ["algorithm", "rsaBits", "ecdsaCurve"], required: ["algorithm"], defaults: { rsaBits: 2048, ecdsaCurve: "P224" }, sensitive: ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"] },
  // resource_self_signed_cert.go: early_renewal_hours is the one input without RequiresReplace.
  [TLS_TYPES.selfSignedCert]: { inputs: ["privateKeyPem", "subject", ...SANS, ...CERT, "setAuthorityKeyId"], updatable: ["earlyRenewalHours"], required: ["privateKeyPem", "validityPeriodHours", "allowedUses"], defaults: { ...CERT_DEFAULTS, setAuthorityKeyId: false }, sensitive: ["privateKeyPem"], writeOnly: ["privateKeyPemWo", "privateKeyPemWoVersion"] },
  [TLS_TYPES.certRequest]: { inputs: ["privateKeyPem", "subject", ...SANS], required: ["privateKeyPem"], defaults: {}, sensitive: ["privateKeyPem"], writeOnly: ["privateKeyPemWo", "privateKeyPemWoVersion"] },
  [TLS_TYPES.locallySignedCert]: { inputs: ["certRequestPem", "caPrivateKeyPem", "caCertPem", ...CERT], updatable: ["earlyRenewalHours"], required: ["certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "allowedUses"], defaults: CERT_DEFAULTS, sensitive: ["caPrivateKeyPem"], writeOnly: ["caPrivateKeyPemWo", "caPrivateKeyPemWoVersion"] },
};

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** stringvalidator.OneOf's message (terraform-plugin-framework-validators): `value must be one of: ["A" "B"], got: "x"`. */
const oneOf = (attr: string, allowed: string[], got: string) => `Attribute ${attr} value must be one of: [${allowed.map((a) => JSON.stringify(a)).join(" ")}], got: ${JSON.stringify(got)}`;

function schemaOf(urn: string): [string, Schema] {
  const type = typeOfUrn(urn);
  const schema = SCHEMAS[type];
  if (!schema) throw new Error(`unknown resource type ${type} (tls TEST DOUBLE)`);
  return [type, schema];
}

function check(type: string, schema: Schema, news: Props): provider.CheckResult {
  const inputs = withDefaults(news, schema.defaults);
  const v = reveal(inputs) as Props;
  const known = (k: string) => v[k] !== undefined && v[k] !== null && !containsUnknown(inputs[k]);
  const failures: provider.CheckFailure[] = [];
  for (const k of schema.required) {
    if (v[k] === undefined || v[k] === null) failures.push({ property: k, reason: `Missing required argument: The argument "${snake(k)}" is required, but no definition was found.` });
  }
  for (const k of schema.writeOnly ?? []) if (v[k] !== undefined) failures.push({ property: k, reason: `${k}: write-only inputs are not implemented by the tls TEST DOUBLE` });
  if (type === TLS_TYPES.privateKey) {
    if (known("algorithm") && !["RSA", "ECDSA", "ED25519"].includes(String(v.algorithm))) failures.push({ property: "algorithm", reason: oneOf("algorithm", ["RSA", "ECDSA", "ED25519"], String(v.algorithm)) });
    if (known("ecdsaCurve") && !(String(v.ecdsaCurve) in ECDSA_CURVES)) failures.push({ property: "ecdsaCurve", reason: oneOf("ecdsa_curve", Object.keys(ECDSA_CURVES), String(v.ecdsaCurve)) });
  }
  // int64validator.AtLeast on the validity fields and max_path_length; listvalidator.ValueStringsAre(OneOf) on allowed_uses.
  for (const [k, min] of [["validityPeriodHours", 0], ["earlyRenewalHours", 0], ["maxPathLength", -1]] as const) {
    if (known(k) && Number(v[k]) < min) failures.push({ property: k, reason: `Attribute ${snake(k)} value must be at least ${min}, got: ${v[k]}` });
  }
  if (known("allowedUses") && Array.isArray(v.allowedUses)) {
    for (const use of v.allowedUses as string[]) {
      if (!SUPPORTED_USES.includes(use)) failures.push({ property: "allowedUses", reason: oneOf(`allowed_uses[Value(${JSON.stringify(use)})]`, SUPPORTED_USES, use) });
    }
  }
  return { inputs, failures };
}

const list = (x: unknown) => (Array.isArray(x) ? (x as string[]) : []);
const certOptions = (v: Props): CertOptions => ({
  validityPeriodHours: Number(v.validityPeriodHours),
  allowedUses: list(v.allowedUses),
  isCaCertificate: v.isCaCertificate === true,
  maxPathLength: v.maxPathLength === undefined ? undefined : Number(v.maxPathLength),
  setSubjectKeyId: v.setSubjectKeyId === true,
  setAuthorityKeyId: v.setAuthorityKeyId === true,
});
const sans = (v: Props) => ({ dns: list(v.dnsNames), ips: list(v.ipAddresses), uris: list(v.uris) });

function parseKey(pem: unknown, what: string) {
  try {
    return parsePrivateKeyPem(String(pem));
  } catch (e) {
    throw new Error(`Failed to parse ${what} PEM: ${(e as Error).message}`);
  }
}

async function create(type: string, v: Props): Promise<{ id: string; outs: Props }> {
  if (type === TLS_TYPES.privateKey) {
    const key = generatePrivateKey(v.algorithm as Algorithm, { rsaBits: Number(v.rsaBits), ecdsaCurve: String(v.ecdsaCurve) });
    const { id, ...pub } = publicKeyAttributes(key);
    return { id, outs: { privateKeyPem: privateKeyPem(key), privateKeyPemPkcs8: pkcs8Pem(key), privateKeyOpenssh: privateKeyOpenssh(key), ...pub } };
  }
  if (type === TLS_TYPES.selfSignedCert) {
    const key = parseKey(v.privateKeyPem, "private key");
    const cert = await selfSignedCert(key, v.subject as Subject | undefined, sans(v), certOptions(v));
    return { id: cert.id, outs: { ...cert, keyAlgorithm: algorithmOf(key), readyForRenewal: false } };
  }
  if (type === TLS_TYPES.certRequest) {
    const key = parseKey(v.privateKeyPem, "private key");
    const certRequestPem = await certRequest(key, v.subject as Subject | undefined, sans(v));
    // resource_cert_request.go Create: id = hashForState(cert_request_pem).
    return { id: hashForState(certRequestPem), outs: { certRequestPem, keyAlgorithm: algorithmOf(key) } };
  }
  const caKey = parseKey(v.caPrivateKeyPem, "CA private key");
  const cert = await locallySignedCert(String(v.certRequestPem), caKey, String(v.caCertPem), certOptions(v));
  return { id: cert.id, outs: { ...cert, caKeyAlgorithm: algorithmOf(caKey), readyForRenewal: false } };
}

/** common_cert.go modifyPlanIfCertificateReadyForRenewal: inside the early-renewal window the certificate is replaced. */
function readyForRenewal(olds: Props, news: Props): boolean {
  const end = reveal(olds.validityEndTime);
  if (typeof end !== "string" || containsUnknown(news.earlyRenewalHours)) return false;
  return Date.parse(end) - Number(reveal(news.earlyRenewalHours) ?? 0) * 3600_000 <= Date.now();
}

export const tlsProvider: provider.Provider = {
  version: VERSION,
  async check(urn, _olds, news) {
    const [type, schema] = schemaOf(urn);
    return check(type, schema, news);
  },
  async diff(_id, urn, olds, news) {
    const [type, schema] = schemaOf(urn);
    const changed = changedKeys(olds, news, schema.inputs);
    const replaces = changed.filter((k) => !(schema.updatable ?? []).includes(k));
    if (type !== TLS_TYPES.privateKey && type !== TLS_TYPES.certRequest && readyForRenewal(olds, news)) replaces.push("readyForRenewal");
    return { changes: changed.length > 0 || replaces.length > 0, replaces };
  },
  async create(urn, inputs) {
    const [type, schema] = schemaOf(urn);
    const { id, outs } = await create(type, reveal(inputs) as Props);
    return { id, outs: outputsWithSecrets(inputs, { ...inputs, ...outs }, schema.sensitive) };
  },
  async update(_id, urn, olds, news) {
    // updatedUsingPlan (common.go): only early_renewal_hours can change in place; computed attributes stay.
    const [, schema] = schemaOf(urn);
    return { outs: outputsWithSecrets(news, { ...olds, ...news }, schema.sensitive) };
  },
  async read(id, _urn, props) {
    return { id, props };
  },
  async delete() {},
};
