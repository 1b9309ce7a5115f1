import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { FRESHNESS_METRICS } from '../../../lambdas/shared/backup-freshness';
import { freshnessMetrics } from '../../../lambdas/backup-pruner/freshness';
import type * as HandlerModuleNs from '../../../lambdas/backup-pruner/handler';
import type { RunReport } from '../../../lambdas/backup-pruner/run';

type HandlerModule = typeof HandlerModuleNs;
import { DAY, NOW, backupInfoText, folder, seg } from './fixtures';

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

describe('freshnessMetrics', () => {
  const report = (freshness: object | undefined, layout = 'barman') =>
    ({ targets: [{ target: 'db', layout, freshness }] }) as unknown as RunReport;

  it('reports backup age, FAILED count since the newest DONE and WAL age per server', () => {
    const data = freshnessMetrics(
      report({
        newestDoneEndTime: new Date(NOW.getTime() - DAY),
        failedSinceNewestDone: 2,
        newestWalAt: new Date(NOW.getTime() - 60_000),
      }),
      NOW,
    );
    expect(data).toEqual([
      { target: 'db', name: FRESHNESS_METRICS.backupAge, unit: 'Seconds', value: 86_400 },
      { target: 'db', name: FRESHNESS_METRICS.failedSinceDone, unit: 'Count', value: 2 },
      { target: 'db', name: FRESHNESS_METRICS.walAge, unit: 'Seconds', value: 60 },
    ]);
  });

  it('leaves out what is unknown so the missing-data alarms fire, and ignores other layouts', () => {
    expect(freshnessMetrics(report({ failedSinceNewestDone: 3 }), NOW)).toEqual([]);
    expect(freshnessMetrics(report({ newestDoneEndTime: NOW, failedSinceNewestDone: 0 }, 'velero'), NOW)).toEqual([]);
  });
});
