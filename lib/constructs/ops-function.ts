import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { AssetHashType, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ResolvedFunctionSettings } from '../config/suite';

export interface OpsFunctionProps {
  /** Job name, e.g. `backup-pruner`: the Powertools service name and the prefix of alarm names. */
  readonly jobName: string;
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
  /** The ops-events topic: alarms notify it and the function may publish to it (env OPS_TOPIC_ARN). */
  readonly opsTopic: sns.ITopic;
  /** Memory, timeout, log retention, concurrency, retries and log level, resolved from config. */
  readonly settings: ResolvedFunctionSettings;
  readonly description?: string;
  /** Extra environment variables. Never secrets: those are read from Secrets Manager at run time. */
  readonly environment?: Record<string, string>;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** Node runtime every function runs on (cdk-nag L1 wants the newest). */
export const OPS_RUNTIME = lambda.Runtime.NODEJS_24_X;

const ROOT = join(__dirname, '..', '..');
const BUNDLER_CLI = join(__dirname, '..', 'bundling', 'cli.ts');

/**
 * The function's code: its handler bundled by `lib/bundling/esbuild.ts` (one minified ESM file, source map beside it,
 * the AWS SDK bundled, the SDK schema plugin applied). esbuild's plugins run only in its asynchronous API and synth is
 * synchronous, so the bundle is built by `lib/bundling/cli.ts` in a child process, locally (never in Docker).
 */
export function handlerCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(dirname(entry), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: OPS_RUNTIME.bundlingImage, // never pulled: local bundling always builds or fails
      // Never run either; it names the entry in the options CDK caches staged assets by (the tryBundle closure does
      // not show in them), so two handlers of one folder do not share the first one's bundle.
      command: ['bundle', relative(ROOT, entry)],
      local: {
        tryBundle(outputDir: string): boolean {
          const run = spawnSync(process.execPath, ['--import', 'tsx', BUNDLER_CLI, entry, outputDir], {
            cwd: ROOT,
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          if (run.status !== 0)
            throw new Error(
              `bundling ${relative(ROOT, entry)} failed (${run.error ? run.error.message : `exit ${run.status ?? run.signal}`}); see above`,
            );
          return true;
        },
      },
    },
  });
}

/**
 * The house Lambda function: every job's function gets the same defaults once, here.
 * - nodejs24.x on arm64, ESM bundle with source maps (and NODE_OPTIONS=--enable-source-maps to use them), see handlerCode
 * - its own IAM role with no AWS-managed policy; logging rights only on its own log group
 * - an explicit log group with retention from config, JSON log format
 * - an encrypted, TLS-only SQS dead-letter queue for asynchronous invocations, bounded retries
 * - alarms on Errors, Throttles and DLQ depth that notify the ops-events topic (on ALARM and on OK)
 * - Powertools environment (service name, metrics namespace, log level)
 */
/** Lambda's limit on the total size of a function's environment variables. */
export const LAMBDA_ENV_LIMIT_BYTES = 4096;
/** What an unresolved value (a topic ARN, say) is assumed to take once deployed. */
const TOKEN_ALLOWANCE_BYTES = 256;

/**
 * Fails synth, naming the job, when the environment would exceed Lambda's 4 KB limit (a deploy would fail later
 * with a less helpful message). Unresolved tokens are counted at a generous allowance.
 */
export function checkEnvironmentSize(jobName: string, environment: Record<string, string>): number {
  const bytes = Object.entries(environment).reduce(
    (sum, [key, value]) =>
      sum + Buffer.byteLength(key) + (Token.isUnresolved(value) ? TOKEN_ALLOWANCE_BYTES : Buffer.byteLength(value)),
    0,
  );
  if (bytes > LAMBDA_ENV_LIMIT_BYTES) {
    throw new Error(
      `${jobName}: the function environment would take about ${bytes} bytes, over Lambda's ${LAMBDA_ENV_LIMIT_BYTES}-byte limit; shorten the job's config section`,
    );
  }
  return bytes;
}

export class OpsFunction extends lambda.Function {
  declare readonly role: iam.Role;
  declare readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];
  readonly jobName: string;

  constructor(scope: Construct, id: string, props: OpsFunctionProps) {
    const { settings } = props;
    const environment: Record<string, string> = {
      ...props.environment,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: props.jobName,
      POWERTOOLS_METRICS_NAMESPACE: 'PlatformOps',
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      PLATFORM_OPS_JOB: props.jobName,
      OPS_TOPIC_ARN: props.opsTopic.topicArn,
    };
    checkEnvironmentSize(props.jobName, environment);
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the platform-ops ${props.jobName} function`,
    });
    const deadLetterQueue = new sqs.Queue(scope, `${id}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    super(scope, id, {
      code: handlerCode(props.entry),
      handler: 'index.handler',
      description: props.description ?? `platform-ops ${props.jobName}`,
      runtime: OPS_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[settings.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      deadLetterQueue,
      retryAttempts: settings.retryAttempts,
      maxEventAge: Duration.hours(6),
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      environment,
    });
    this.jobName = props.jobName;

    // Logging rights on this function's own log group only (instead of AWSLambdaBasicExecutionRole).
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    props.opsTopic.grantPublish(this);
    // The ops-events topic is KMS-encrypted, so grantPublish also grants the SNS data-key calls on its key.
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'Publishing to the KMS-encrypted ops-events topic needs kms:GenerateDataKey* (the data-key family SNS calls) on that one key, as granted by topic.grantPublish.',
    });

    const notify = new cwActions.SnsAction(props.opsTopic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, what: string) => {
      const a = new cloudwatch.Alarm(scope, `${id}${alarmId}Alarm`, {
        alarmDescription: `platform-ops ${props.jobName}: ${what}`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(notify);
      a.addOkAction(notify);
      return a;
    };
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    this.alarms = [
      alarm('Errors', this.metricErrors(fiveMinutes), 'the function failed (see its log group)'),
      alarm('Throttles', this.metricThrottles(fiveMinutes), 'invocations were throttled'),
      alarm(
        'DlqDepth',
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        'events reached the dead-letter queue after all retries',
      ),
    ];
  }
}
