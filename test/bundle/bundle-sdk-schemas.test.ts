/**
 * The SDK schema plugin (lib/bundling/esbuild.ts, `inlineSchemaKeys`) rewrites generated SDK modules, so it must not
 * change a byte the SDK sends or a field it parses. A probe (fixtures/sdk-probe.ts: EC2 query/XML incl. an error, S3
 * REST XML with header, query and payload bindings) is bundled with and without the plugin and run against a loopback
 * server; the requests and the parsed results must be identical, and the plugin must have dropped the EC2 schemas.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleHandler, inlineSchemaKeys } from '../../lib/bundling/esbuild';

interface Seen {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const EC2_VOLUMES = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>req-1</requestId>
  <volumeSet>
    <item>
      <volumeId>vol-0abc</volumeId><size>80</size><snapshotId>snap-1</snapshotId><availabilityZone>us-east-1a</availabilityZone>
      <status>available</status><createTime>2025-01-02T03:04:05.000Z</createTime><attachmentSet/>
      <tagSet><item><key>owner</key><value>dba</value></item><item><key>Name</key><value>pg-data</value></item></tagSet>
      <volumeType>gp3</volumeType><iops>3000</iops><throughput>125</throughput><encrypted>true</encrypted><multiAttachEnabled>false</multiAttachEnabled>
    </item>
  </volumeSet>
  <nextToken>page-3</nextToken>
</DescribeVolumesResponse>`;
const EC2_THROTTLED = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-2</RequestID></Response>`;
const S3_LIST = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>backups</Name><Prefix>pg/main/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <NextContinuationToken>tok-2</NextContinuationToken>
  <Contents><Key>pg/main/base/1/backup.info</Key><LastModified>2025-06-01T00:00:00.000Z</LastModified><ETag>"e1"</ETag><Size>123</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>pg/main/wals/0001/000000010000000000000001</Key><LastModified>2025-06-01T00:01:00.000Z</LastModified><ETag>"e2"</ETag><Size>16777216</Size><StorageClass>STANDARD_IA</StorageClass></Contents>
</ListBucketResult>`;

function answer(req: IncomingMessage, body: string): { status: number; headers: Record<string, string>; body: string } {
  const xml = { 'content-type': 'text/xml' };
  if (req.method === 'POST' && body.includes('Action=DescribeVolumes'))
    return body.includes('vol-throttled')
      ? { status: 503, headers: xml, body: EC2_THROTTLED }
      : { status: 200, headers: xml, body: EC2_VOLUMES };
  if (req.method === 'GET' && req.url?.startsWith('/backups/?')) return { status: 200, headers: xml, body: S3_LIST };
  if (req.method === 'PUT')
    return {
      status: 200,
      headers: { etag: '"put-etag"', 'x-amz-server-side-encryption': 'AES256', 'x-amz-version-id': 'v-7' },
      body: '',
    };
  if (req.method === 'HEAD')
    return {
      status: 200,
      headers: {
        'content-length': '123',
        'content-type': 'application/octet-stream',
        etag: '"e1"',
        'last-modified': 'Sun, 01 Jun 2025 00:00:00 GMT',
        'x-amz-meta-run': 'r-1',
        'x-amz-storage-class': 'STANDARD_IA',
      },
      body: '',
    };
  return { status: 400, headers: xml, body: '<Error><Code>Unexpected</Code></Error>' };
}

/** Headers that say what was serialized (not the signature, dates or SDK bookkeeping). */
const KEPT_HEADERS = /^(content-type|content-length|x-amz-meta-.*|x-amz-server-side-encryption|x-amz-content-sha256)$/;

let server: Server;
let endpoint: string;
let seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => KEPT_HEADERS.test(k)));
      seen.push({ method: req.method, url: req.url, headers, body });
      const a = answer(req, body);
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function runProbe(withoutSchemaPlugin: boolean): Promise<{ bytes: number; requests: Seen[]; results: unknown }> {
  const outdir = mkdtempSync(join(tmpdir(), 'sdk-probe-'));
  const built = await bundleHandler(join(__dirname, 'fixtures', 'sdk-probe.ts'), outdir, { withoutSchemaPlugin });
  seen = [];
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [built.outfile],
      { env: { PATH: process.env.PATH, AWS_ENDPOINT_URL: endpoint, NODE_OPTIONS: '' }, timeout: 30_000 },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
    ),
  );
  return { bytes: built.bytes, requests: seen, results: JSON.parse(stdout.trim().split('\n').pop() ?? 'null') };
}

describe('SDK schema plugin', () => {
  it('leaves every request and every parsed result as the unmodified SDK makes them', async () => {
    const plain = await runProbe(true);
    const shrunk = await runProbe(false);
    expect(shrunk.requests).toEqual(plain.requests);
    expect(shrunk.results).toEqual(plain.results);
    // The probe reached every path it means to check, so the comparison above is not vacuous.
    expect(plain.requests).toHaveLength(5);
    expect(plain.requests[0].body).toContain('Filter.2.Value.2=team');
    expect(plain.requests[3].headers['x-amz-meta-run']).toBe('r-1');
    const [volumes, throttled, list, put, head] = plain.results as Record<string, any>[];
    expect(volumes.Volumes[0]).toMatchObject({
      VolumeId: 'vol-0abc',
      Size: 80,
      Tags: [
        { Key: 'owner', Value: 'dba' },
        { Key: 'Name', Value: 'pg-data' },
      ],
    });
    expect(volumes.NextToken).toBe('page-3');
    expect(throttled).toMatchObject({ error: 'RequestLimitExceeded', status: 503 });
    expect(list.Contents).toHaveLength(2);
    expect(list.NextContinuationToken).toBe('tok-2');
    expect(put).toMatchObject({ ETag: '"put-etag"', VersionId: 'v-7', ServerSideEncryption: 'AES256' });
    expect(head).toMatchObject({ ContentLength: 123, Metadata: { run: 'r-1' }, StorageClass: 'STANDARD_IA' });
    // What the plugin is for: the EC2 client's unused schemas are gone.
    expect(plain.bytes - shrunk.bytes).toBeGreaterThan(400 * 1024);
  }, 60_000);
});

describe('inlineSchemaKeys', () => {
  it('writes keys naming a top-level string const as that string, and nothing else', () => {
    const source = [
      'const _xN = "xmlName";',
      'const _eQN = "ec2QueryName";',
      'let _dyn = "notConst";',
      'export var A$ = [3, n0, _A, 0, [_B], [[() => B$, { [_eQN]: `B`, [_xN]: _b }]]];',
      'export var C$ = [3, n0, _C, 0, [_D], [[0, { [_dyn]: 1, [other]: 2 }]]];',
    ].join('\n');
    const { contents, replaced } = inlineSchemaKeys(source);
    expect(replaced).toBe(2);
    expect(contents).toContain('{ "ec2QueryName": `B`, "xmlName": _b }');
    expect(contents).toContain('{ [_dyn]: 1, [other]: 2 }');
  });
});
