import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type * as HandlerModuleNs from '../../../lambdas/backup-pruner/handler';

type HandlerModule = typeof HandlerModuleNs;
import { NOW, backupInfoText, folder, seg } from './fixtures';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);

const jobConfig = {
  enabled: true,
  dryRun: true,
  targets: [{ name: 'orders-db', bucket: 'bkt', prefix: 'cnpg/orders-db/', layout: 'barman', retention: '30d' }],
};

function context(remainingMs = 600_000): Context {
  return {
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bp',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

async function loadHandler() {
  process.env.JOB_CONFIG = JSON.stringify(jobConfig);
  process.env.OPS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-events';
  // A plain require shares the module registry with this file, so the SDK mocks above apply to its clients.
  const mod = require('../../../lambdas/backup-pruner/handler') as HandlerModule;
  return mod.handler;
}

beforeEach(() => {
  s3.reset();
  sns.reset();
  // The handler reads the clock; fake only Date so the SDK's own timers run normally.
  jest.useFakeTimers({
    now: NOW,
    doNotFake: [
      'setTimeout',
      'setInterval',
      'setImmediate',
      'clearTimeout',
      'clearInterval',
      'clearImmediate',
      'nextTick',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
  });
});

afterEach(() => {
  jest.useRealTimers();
  delete process.env.JOB_CONFIG;
  delete process.env.OPS_TOPIC_ARN;
});

describe('backup-pruner handler', () => {
  it('plans in dry run, deletes nothing and publishes one ops event with the summary', async () => {
    const old = folder({ endedDaysAgo: 60, log: 1 });
    const edge = folder({ endedDaysAgo: 40, log: 2 });
    const newest = folder({ endedDaysAgo: 1, log: 3 });
    const contents = [old, edge, newest].flatMap((f) => f.objects.map((o) => ({ Key: o.key, Size: o.size })));
    contents.push({ Key: `cnpg/orders-db/wals/${seg(1, 1, 0).slice(0, 16)}/${seg(1, 1, 0)}.gz`, Size: 10 });
    s3.on(ListObjectsV2Command).resolves({ Contents: contents, IsTruncated: false });
    const body = (text: string) => ({ transformToString: async () => text }) as never;
    s3.on(GetObjectCommand, { Key: old.objects.find((o) => o.key.endsWith('backup.info'))?.key }).resolves({
      Body: body(backupInfoText({ endedDaysAgo: 60, log: 1 })),
    });
    s3.on(GetObjectCommand, { Key: edge.objects.find((o) => o.key.endsWith('backup.info'))?.key }).resolves({
      Body: body(backupInfoText({ endedDaysAgo: 40, log: 2 })),
    });
    s3.on(GetObjectCommand, { Key: newest.objects.find((o) => o.key.endsWith('backup.info'))?.key }).resolves({
      Body: body(backupInfoText({ endedDaysAgo: 1, log: 3 })),
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });

    const handler = await loadHandler();
    const result = await handler({}, context());

    expect(result).toMatchObject({ dryRun: true, objectsToDelete: 3, deleted: 0, targets: ['orders-db'] });
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    const published = sns.commandCalls(PublishCommand);
    expect(published).toHaveLength(1);
    const message = JSON.parse(published[0].args[0].input.Message as string);
    expect(message).toMatchObject({
      source: 'backup-pruner',
      kind: 'prune-planned',
      severity: 'info',
      account: '123456789012',
      details: {
        dryRun: true,
        targets: [{ target: 'orders-db', backupsToDelete: [old.id], location: 's3://bkt/cnpg/orders-db/' }],
      },
    });
    expect(message.summary).toMatch(/dry run; 3 object\(s\)/);
  });

  it('fails at init naming the variable when JOB_CONFIG is invalid', () => {
    process.env.JOB_CONFIG = JSON.stringify({
      ...jobConfig,
      targets: [{ ...jobConfig.targets[0], retention: '30 days' }],
    });
    process.env.OPS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-events';
    expect(() =>
      jest.isolateModules(() => {
        require('../../../lambdas/backup-pruner/handler');
      }),
    ).toThrow(/JOB_CONFIG\.targets\.0\.retention/);
  });
});

describe('backup-pruner handler: the run deadline bounds every store call', () => {
  let server: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts every connection and never answers: a hung MinIO.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('a store that never answers fails the target within the run deadline; the event is still published', async () => {
    jest.useRealTimers();
    process.env.JOB_CONFIG = JSON.stringify({
      ...jobConfig,
      targets: [{ ...jobConfig.targets[0], endpointUrl: endpoint, region: 'us-east-1' }],
    });
    process.env.OPS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-events';
    let handler: HandlerModule['handler'] | undefined;
    const published: string[] = [];
    // A fresh module registry: the real S3 client (no mock) talks to the silent server; SNS is mocked inside it.
    jest.isolateModules(() => {
      const { mockClient: isolatedMock } = require('aws-sdk-client-mock') as { mockClient: typeof mockClient };
      const snsModule = require('@aws-sdk/client-sns') as {
        SNSClient: typeof SNSClient;
        PublishCommand: typeof PublishCommand;
      };
      isolatedMock(snsModule.SNSClient)
        .on(snsModule.PublishCommand)
        .callsFake((input: { Message?: string }) => {
          published.push(input.Message ?? '');
          return { MessageId: '1' };
        });
      handler = (require('../../../lambdas/backup-pruner/handler') as HandlerModule).handler;
    });
    // 2 s of work before the handler's reserve for reporting (RESERVE_MS, 30 s) begins.
    const endsAt = Date.now() + 32_000;
    const started = Date.now();
    const result = await (handler as HandlerModule['handler'])({}, {
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bp',
      getRemainingTimeInMillis: () => endsAt - Date.now(),
    } as unknown as Context);
    const took = Date.now() - started;
    expect(took).toBeLessThan(8_000);
    expect(result).toMatchObject({ deleted: 0, objectsToDelete: 0, targets: ['orders-db'] });
    expect(published).toHaveLength(1);
    const event = JSON.parse(published[0]);
    expect(event).toMatchObject({ kind: 'prune-refused', details: { targets: [{ target: 'orders-db' }] } });
    expect(event.details.targets[0].refused).toMatch(/ListObjectsV2Command timed out/);
  }, 20_000);
});
