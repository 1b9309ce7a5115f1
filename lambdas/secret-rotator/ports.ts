/** The outside system the rotator talks to: Vault (KV v2, PKI, token), one connection per configured Vault. */

export interface KvVersionInfo {
  readonly version: number;
  readonly createdTime: string;
  /** Empty when the version is live. */
  readonly deletionTime: string;
  readonly destroyed: boolean;
}

/** `GET <kv>/metadata/<path>`. */
export interface KvMetadata {
  readonly currentVersion: number;
  readonly oldestVersion: number;
  /** 0 means the mount's setting (10 by default). */
  readonly maxVersions: number;
  readonly casRequired: boolean;
  readonly customMetadata: Readonly<Record<string, string>>;
  readonly versions: Readonly<Record<string, Omit<KvVersionInfo, 'version'>>>;
}

/** `GET <kv>/data/<path>[?version=N]`; `data` is undefined for a deleted or destroyed version. */
export interface KvSecret {
  readonly data: Readonly<Record<string, unknown>> | undefined;
  readonly metadata: KvVersionInfo;
}

export interface PkiSignRequest {
  readonly csr: string;
  readonly commonName: string;
  readonly altNames: readonly string[];
  readonly ipSans: readonly string[];
  readonly uriSans: readonly string[];
  readonly ttl: string;
  /** sign-intermediate only. */
  readonly maxPathLength?: number;
}

export interface PkiSigned {
  readonly certificate: string;
  readonly issuingCa: string;
  readonly caChain: readonly string[];
  readonly serialNumber: string;
}

/** One Vault (address + namespace + login), the KV mount of one entry. Paths are relative to the KV mount. */
export interface VaultPort {
  readMetadata(path: string): Promise<KvMetadata | undefined>;
  readSecret(path: string, version?: number): Promise<KvSecret | undefined>;
  /** Writes a new version with check-and-set; throws VaultError code `cas-mismatch` when another writer won. */
  writeSecret(path: string, data: Record<string, string>, cas: number): Promise<KvVersionInfo>;
  /** Replaces the key's custom_metadata (no new version). */
  writeCustomMetadata(path: string, customMetadata: Record<string, string>): Promise<void>;
  signCsr(mount: string, role: string, request: PkiSignRequest): Promise<PkiSigned>;
  signIntermediate(mount: string, request: PkiSignRequest): Promise<PkiSigned>;
}

/** Opens Vault connections for a run and closes them (revoking tokens it obtained) at the end. */
export interface VaultSessions {
  forEntry(vault: {
    readonly address: string;
    readonly role: string;
    readonly kvMount: string;
    readonly authMount: string;
    readonly namespace?: string;
    readonly iamServerId?: string;
    readonly caCertPem?: string;
  }): VaultPort;
  close(): Promise<void>;
}
