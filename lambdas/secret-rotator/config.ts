/**
 * `jobs.secretRotator`: the mTLS secrets kept in Vault KV v2 that the rotator renews, and the ones it only watches.
 * Validated at synth (CDK) and again at init (handler). Every transform here returns valid input again (durations
 * stay text, defaults are filled in), so the parsed config can be serialised into the function and parsed again.
 */
import { isIP } from 'node:net';
import * as z from '../shared/zod';
import { functionOverrides, intIn, scheduleExpression, vpcPlacementConfig } from '../shared/config';

/** A non-empty string (a KV field name). */
const nonEmpty = z.string().check(z.minLength(1));

/** A duration as written in config: `30d`, `720h` or `45m`. */
export const DURATION_PATTERN = /^([1-9]\d{0,6})(d|h|m)$/;
const UNIT_MINUTES = { d: 1440, h: 60, m: 1 } as const;

/** Minutes in a duration string (already validated by `duration`). */
export function durationMinutes(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m) throw new RangeError(`not a duration: ${JSON.stringify(text)} (write 30d, 720h or 45m)`);
  return Number(m[1]) * UNIT_MINUTES[m[2] as keyof typeof UNIT_MINUTES];
}

/** Milliseconds in a duration string. */
export const durationMs = (text: string): number => durationMinutes(text) * 60_000;

/** Writes a number of minutes in the largest whole unit: 14400 → `10d`, 90 → `90m`. */
export function formatDuration(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

export const duration = z.string().check(z.regex(DURATION_PATTERN, 'must be a duration such as 30d, 720h or 45m'));

/** The key types the rotator generates. ECDSA P-256 is what Linkerd and most meshes require. */
export const KEY_TYPES = ['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** Extended key usages a certificate may carry. */
export const CERT_USAGES = ['serverAuth', 'clientAuth'] as const;
export type CertUsage = (typeof CERT_USAGES)[number];

/** What the rotator writes into `custom_metadata.managed_by`. */
export const MANAGED_BY = 'platform-ops/secret-rotator';

/** A path inside a mount: segments of letters, digits, `_`, `-`, `.`; no leading or trailing `/`, no `..`. */
const vaultPath = z
  .string()
  .check(
    z.regex(
      /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
      'must be "/"-separated segments of letters, digits, "_", "-" or "." (no leading or trailing "/", no "..")',
    ),
  );
const mountName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'must be a mount path such as "secret" or "pki_int"'));

const pemCertificate = z.string().check(
  z.refine((s) => s.includes('-----BEGIN CERTIFICATE-----') && s.includes('-----END CERTIFICATE-----'), {
    message: 'must hold one or more PEM certificates (-----BEGIN CERTIFICATE-----)',
  }),
  z.refine((s) => !/PRIVATE KEY-----/.test(s), { message: 'must not contain a private key' }),
);

/** How to reach one Vault and log in to it (AWS IAM auth in the function; the CLI may use the operator's token). */
export const vaultConnection = z.strictObject({
  /** `https://` in production; `http://` is accepted for a dev Vault, with a warning. */
  address: z.pipe(
    z
      .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
      .check(z.refine((u) => !/[?#]/.test(u), { message: 'must not carry a query or fragment' })),
    z.transform((u: string) => u.replace(/\/+$/, '')),
  ),
  /** The `aws` auth role, bound to the function's role ARN. */
  role: z
    .string()
    .check(
      z.regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'must be 1-128 letters, digits, "_", ".", "@" or "-" (a Vault role name)'),
    ),
  /** The secret's path under the KV v2 mount. */
  path: vaultPath,
  kvMount: z._default(mountName, 'secret'),
  authMount: z._default(mountName, 'aws'),
  namespace: z.optional(vaultPath),
  /** Value Vault expects in X-Vault-AWS-IAM-Server-ID (`iam_server_id_header_value`), signed with the login. */
  iamServerId: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  /** PEM CA bundle that signs Vault's TLS certificate (when not a public CA). */
  caCertPem: z.optional(pemCertificate),
});
export type VaultConnection = z.infer<typeof vaultConnection>;

const dnsName = z
  .string()
  .check(
    z.maxLength(253),
    z.regex(
      /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
      'must be a DNS name',
    ),
  );

const issuer = z.discriminatedUnion('type', [
  /** A CSR generated in the function, signed by Vault PKI (`<mount>/sign/<role>`, or `root/sign-intermediate` for a CA). */
  z.strictObject({
    type: z.literal('vault-pki'),
    mount: mountName,
    role: z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a PKI role name')),
  }),
  /** A CA certificate and key kept at another KV path of the same Vault: the function signs locally. */
  z.strictObject({
    type: z.literal('kv-ca'),
    path: vaultPath,
    certField: z._default(nonEmpty, 'tls.crt'),
    keyField: z._default(nonEmpty, 'tls.key'),
  }),
  /** A key pair only, no certificate. */
  z.strictObject({ type: z.literal('none') }),
]);
export type IssuerConfig = z.infer<typeof issuer>;

const certificate = z.strictObject({
  commonName: z.string().check(z.minLength(1), z.maxLength(64, 'must be at most 64 characters (X.509 upper bound)')),
  dnsNames: z._default(z.array(dnsName), []),
  ipAddresses: z._default(
    z.array(z.string().check(z.refine((s) => isIP(s) !== 0, { message: 'must be an IPv4 or IPv6 address' }))),
    [],
  ),
  /** URI SANs such as SPIFFE IDs. */
  uris: z._default(z.array(z.url({ message: 'must be a URI such as spiffe://trust.domain/ns/x/sa/y' })), []),
  ttl: duration,
  isCA: z._default(z.boolean(), false),
  pathLen: z.optional(intIn(0, 10)),
  /** Extended key usages; default serverAuth + clientAuth for a leaf, none for a CA. */
  usages: z.optional(z.array(z.enum(CERT_USAGES))),
  issuer,
});

const fields = z._default(
  z.strictObject({
    cert: z._default(nonEmpty, 'tls.crt'),
    key: z._default(nonEmpty, 'tls.key'),
    ca: z._default(nonEmpty, 'ca.crt'),
  }),
  { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' },
);

const secretName = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be 1-63 lower-case letters, digits, "_", "." or "-"'));

export const managedSecret = z.pipe(
  z
    .strictObject({
      name: secretName,
      vault: vaultConnection,
      key: z._default(z.enum(KEY_TYPES), 'ecdsa-p256'),
      certificate,
      /** Rotate when the current certificate expires within this; default a third of the ttl (as cert-manager). */
      renewBefore: z.optional(duration),
      /** Take over a path holding data this suite did not write (otherwise it is refused). */
      adopt: z._default(z.boolean(), false),
      /** KV field names (the kubernetes.io/tls convention by default). */
      fields,
    })
    .check(
      z.superRefine((s, ctx) => {
        // Refinements run even when a field above failed: only compare durations that parsed.
        if (!DURATION_PATTERN.test(s.certificate.ttl)) return;
        const ttl = durationMinutes(s.certificate.ttl);
        if (ttl < 10) ctx.addIssue({ code: 'custom', path: ['certificate', 'ttl'], message: 'must be at least 10m' });
        if (
          s.renewBefore !== undefined &&
          DURATION_PATTERN.test(s.renewBefore) &&
          durationMinutes(s.renewBefore) >= ttl
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['renewBefore'],
            message: `must be shorter than certificate.ttl (${s.certificate.ttl}), or every run would rotate`,
          });
        }
        if (s.certificate.pathLen !== undefined && !s.certificate.isCA) {
          ctx.addIssue({ code: 'custom', path: ['certificate', 'pathLen'], message: 'only applies with isCA: true' });
        }
        const f = [s.fields.cert, s.fields.key, s.fields.ca];
        if (new Set(f).size !== f.length)
          ctx.addIssue({
            code: 'custom',
            path: ['fields'],
            message: 'cert, key and ca must be three different fields',
          });
        if (s.certificate.issuer.type === 'kv-ca' && s.certificate.issuer.path === s.vault.path) {
          ctx.addIssue({
            code: 'custom',
            path: ['certificate', 'issuer', 'path'],
            message: 'the CA must live at another path than the secret it signs',
          });
        }
      }),
    ),
  z.transform((s) => ({
    ...s,
    renewBefore: s.renewBefore ?? formatDuration(Math.max(1, Math.floor(durationMinutes(s.certificate.ttl) / 3))),
    certificate: {
      ...s.certificate,
      usages: s.certificate.usages ?? (s.certificate.isCA ? [] : (['serverAuth', 'clientAuth'] as CertUsage[])),
    },
  })),
);
export type ManagedSecretConfig = z.infer<typeof managedSecret>;

export const watchedSecret = z.strictObject({
  name: secretName,
  vault: vaultConnection,
  /** The KV field holding the PEM certificate whose expiry is watched. */
  field: z._default(nonEmpty, 'tls.crt'),
});
export type WatchedSecretConfig = z.infer<typeof watchedSecret>;

export const secretRotatorConfig = z
  .strictObject({
    enabled: z.boolean(),
    schedule: z._default(scheduleExpression, 'rate(1 day)'),
    secrets: z._default(z.array(managedSecret), []),
    watch: z._default(z.array(watchedSecret), []),
    /**
     * Dry-run unless set to false: the run reads, decides and reports (expiry metrics, events) but writes nothing.
     * Rotation writes a new version of a secret, so the suite's dry-run-by-default rule applies.
     */
    dryRun: z._default(z.boolean(), true),
    /** At most this many rotations per run; the rest wait for the next run (reported as skipped). */
    maxRotationsPerRun: z._default(intIn(1, 100), 10),
    /** An alarm fires when any managed or watched certificate has fewer days left than this. */
    alarmDaysLeft: z._default(intIn(1, 365), 14),
    /** Per-request deadline for Vault calls (each call also stops at the run deadline). */
    vaultTimeoutMs: z._default(intIn(100, 60_000), 10_000),
    /** Place the function in a VPC (to reach a private Vault): subnets need a route to Vault (and to nothing else). */
    vpc: z.optional(vpcPlacementConfig),
    function: z._default(functionOverrides, {}),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      const seen = new Map<string, string>();
      const check = (list: 'secrets' | 'watch', i: number, name: string, vault: VaultConnection) => {
        if (seen.has(name))
          ctx.addIssue({
            code: 'custom',
            path: [list, i, 'name'],
            message: `duplicate name "${name}" (${seen.get(name)})`,
          });
        else seen.set(name, `${list}[${i}]`);
        if (vault.caCertPem && !vault.address.startsWith('https://'))
          ctx.addIssue({ code: 'custom', path: [list, i, 'vault', 'caCertPem'], message: 'needs an https:// address' });
      };
      cfg.secrets.forEach((s, i) => check('secrets', i, s.name, s.vault));
      cfg.watch.forEach((w, i) => check('watch', i, w.name, w.vault));
      const paths = new Map<string, number>();
      cfg.secrets.forEach((s, i) => {
        const key = `${s.vault.address}|${s.vault.namespace ?? ''}|${s.vault.kvMount}/${s.vault.path}`;
        if (paths.has(key))
          ctx.addIssue({
            code: 'custom',
            path: ['secrets', i, 'vault', 'path'],
            message: `same Vault path as secrets[${paths.get(key)}]: two entries would rotate one secret`,
          });
        else paths.set(key, i);
      });
    }),
  );

export type SecretRotatorConfig = z.infer<typeof secretRotatorConfig>;

/** Config problems that are allowed but worth a warning (synth annotation, init log, CLI stderr). */
export function secretRotatorConfigWarnings(cfg: SecretRotatorConfig): string[] {
  const warnings: string[] = [];
  const entries = [
    ...cfg.secrets.map((s, i) => ({ where: `secrets[${i}] (${s.name})`, vault: s.vault })),
    ...cfg.watch.map((w, i) => ({ where: `watch[${i}] (${w.name})`, vault: w.vault })),
  ];
  for (const e of entries) {
    if (e.vault.address.startsWith('http://'))
      warnings.push(
        `${e.where}: vault.address ${e.vault.address} is plain http: the Vault token and the private key would cross the network unencrypted (use only for a dev Vault)`,
      );
  }
  return warnings;
}
