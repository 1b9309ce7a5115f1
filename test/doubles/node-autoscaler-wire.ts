/**
 * A loopback stand-in for the four AWS APIs node-autoscaler calls, speaking their real wire protocols so the real SDK
 * clients (reached through AWS_ENDPOINT_URL) serialize and parse every request and answer:
 *   Auto Scaling: AWS query (form-encoded POST, XML answers, <ErrorResponse> errors)
 *   EC2:          EC2 query (form-encoded POST, XML answers)
 *   CloudWatch:   JSON 1.0 (X-Amz-Target GraniteServiceVersion20100801.*, epoch-second timestamps)
 *   EKS:          REST JSON (GET /clusters/{cluster}/node-groups/{nodegroup})
 * State and behaviour come from FakeNodeAutoscalerAws; this file only translates. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeNodeAutoscalerAws } from './node-autoscaler';

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const tag = (name: string, value: string | number | boolean | undefined) =>
  value === undefined ? '' : `<${name}>${esc(String(value))}</${name}>`;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `prefix.1`, `prefix.2`... values of a query body, in order. */
function members(form: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; form.has(`${prefix}.${i}`); i++) out.push(form.get(`${prefix}.${i}`) as string);
  return out;
}

export interface WireRequest {
  readonly api: 'autoscaling' | 'ec2' | 'cloudwatch' | 'eks';
  readonly action: string;
}

export interface RunningWireServer {
  readonly url: string;
  readonly requests: WireRequest[];
  close(): Promise<void>;
}

export async function startWireServer(fake: FakeNodeAutoscalerAws): Promise<RunningWireServer> {
  const ports = fake.ports();
  const requests: WireRequest[] = [];

  const autoScaling = async (action: string, form: URLSearchParams): Promise<string> => {
    const wrap = (inner: string) =>
      `<?xml version="1.0"?><${action}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">` +
      `<${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`;
    switch (action) {
      case 'DescribeAutoScalingGroups': {
        const groups = await ports.autoScaling.describeGroups(members(form, 'AutoScalingGroupNames.member'));
        const xml = [...groups.values()]
          .map(
            (g) =>
              `<member>${tag('AutoScalingGroupName', g.name)}${tag('MinSize', g.minSize)}${tag('MaxSize', g.maxSize)}` +
              `${tag('DesiredCapacity', g.desired)}${tag('Status', g.status)}<Instances>` +
              g.instances
                .map(
                  (i) =>
                    `<member>${tag('InstanceId', i.instanceId)}${tag('LifecycleState', i.lifecycleState)}${tag('ProtectedFromScaleIn', i.protectedFromScaleIn)}</member>`,
                )
                .join('') +
              `</Instances><Tags>` +
              Object.entries(g.tags)
                .map(
                  ([k, v]) => `<member>${tag('Key', k)}${tag('Value', v)}${tag('PropagateAtLaunch', false)}</member>`,
                )
                .join('') +
              `</Tags></member>`,
          )
          .join('');
        return wrap(`<AutoScalingGroups>${xml}</AutoScalingGroups>`);
      }
      case 'DescribePolicies': {
        const policies = await ports.autoScaling.describePolicies(form.get('AutoScalingGroupName') ?? '');
        return wrap(
          `<ScalingPolicies>${policies.map((p) => `<member>${tag('PolicyName', p.name)}${tag('PolicyType', p.type)}</member>`).join('')}</ScalingPolicies>`,
        );
      }
      case 'DescribeScalingActivities': {
        const acts = await ports.autoScaling.describeRecentActivities(form.get('AutoScalingGroupName') ?? '');
        return wrap(
          `<Activities>${acts
            .map(
              (a, i) =>
                `<member>${tag('ActivityId', `a-${i}`)}${tag('AutoScalingGroupName', form.get('AutoScalingGroupName') ?? '')}` +
                `${tag('Cause', 'test')}${tag('StartTime', a.startTime.toISOString())}${tag('EndTime', a.endTime?.toISOString())}` +
                `${tag('StatusCode', a.statusCode)}${tag('Description', a.description)}</member>`,
            )
            .join('')}</Activities>`,
        );
      }
      case 'SetDesiredCapacity': {
        const busy = await ports.autoScaling.setDesiredCapacity(
          form.get('AutoScalingGroupName') ?? '',
          Number(form.get('DesiredCapacity')),
        );
        if (busy) throw Object.assign(new Error('Scaling activity in progress'), { code: 'ScalingActivityInProgress' });
        if (form.get('HonorCooldown') !== 'false')
          throw Object.assign(new Error('HonorCooldown must be false'), { code: 'ValidationError' });
        return wrap('');
      }
      case 'TerminateInstanceInAutoScalingGroup': {
        if (form.get('ShouldDecrementDesiredCapacity') !== 'true')
          throw Object.assign(new Error('ShouldDecrementDesiredCapacity must be true'), { code: 'ValidationError' });
        await ports.autoScaling.terminateInstance(form.get('InstanceId') ?? '');
        return wrap('<Activity><ActivityId>a-t</ActivityId><StatusCode>InProgress</StatusCode></Activity>');
      }
      case 'CreateOrUpdateTags': {
        const t = 'Tags.member.1';
        if (form.get(`${t}.ResourceType`) !== 'auto-scaling-group' || form.get(`${t}.PropagateAtLaunch`) !== 'false')
          throw Object.assign(new Error('bad tag'), { code: 'ValidationError' });
        await ports.autoScaling.writeTag(
          form.get(`${t}.ResourceId`) ?? '',
          form.get(`${t}.Key`) ?? '',
          form.get(`${t}.Value`) ?? '',
        );
        return wrap('');
      }
      default:
        throw Object.assign(new Error(`stand-in has no ${action}`), { code: 'InvalidAction' });
    }
  };

  const ec2 = async (action: string, form: URLSearchParams): Promise<string> => {
    if (action !== 'DescribeInstances') throw Object.assign(new Error(`no ${action}`), { code: 'InvalidAction' });
    if (form.get('Filter.1.Name') !== 'instance-id')
      throw Object.assign(new Error('expected an instance-id filter'), { code: 'InvalidParameterValue' });
    const found = await ports.ec2.describeInstances(members(form, 'Filter.1.Value'));
    const items = [...found]
      .map(
        ([id, d]) =>
          `<item>${tag('instanceId', id)}${tag('privateDnsName', d.privateDnsName)}${tag('launchTime', d.launchTime?.toISOString())}</item>`,
      )
      .join('');
    return (
      `<?xml version="1.0"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>` +
      `<reservationSet><item><reservationId>r-0</reservationId><instancesSet>${items}</instancesSet></item></reservationSet></DescribeInstancesResponse>`
    );
  };

  const cloudwatch = async (action: string, body: Record<string, any>): Promise<unknown> => {
    if (action === 'GetMetricData') {
      const queries = (body.MetricDataQueries as any[]).map((q) => ({
        id: q.Id,
        namespace: q.MetricStat.Metric.Namespace,
        metricName: q.MetricStat.Metric.MetricName,
        dimensions: (q.MetricStat.Metric.Dimensions as any[]).map((d) => ({ name: d.Name, value: d.Value })),
        stat: q.MetricStat.Stat,
      }));
      if (queries.length > 500) throw Object.assign(new Error('too many queries'), { code: 'ValidationError' });
      const { results } = await ports.metrics.getMetricData(
        queries,
        new Date(body.StartTime * 1000),
        new Date(body.EndTime * 1000),
      );
      return {
        MetricDataResults: queries.map((q) => {
          const r = results.get(q.id);
          const points = [...(r?.points ?? new Map())].sort((a, b) => a[0] - b[0]);
          return {
            Id: q.id,
            Label: q.metricName,
            StatusCode: r?.status ?? 'Complete',
            Timestamps: points.map(([t]) => t / 1000),
            Values: points.map(([, v]) => v),
          };
        }),
      };
    }
    if (action === 'ListMetrics') {
      const cluster = (body.Dimensions as any[]).find((d) => d.Name === 'ClusterName')?.Value;
      const names = await ports.metrics.listNodeNames(cluster);
      return {
        Metrics: [...names].map(([id, node]) => ({
          Namespace: body.Namespace,
          MetricName: body.MetricName,
          Dimensions: [
            { Name: 'ClusterName', Value: cluster },
            { Name: 'InstanceId', Value: id },
            { Name: 'NodeName', Value: node },
          ],
        })),
      };
    }
    throw Object.assign(new Error(`no ${action}`), { code: 'InvalidAction' });
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      let api: WireRequest['api'] = 'eks';
      let action: string;
      try {
        if (target.startsWith('GraniteServiceVersion20100801.')) {
          api = 'cloudwatch';
          action = target.split('.')[1];
          requests.push({ api, action });
          const out = await cloudwatch(action, JSON.parse(body || '{}'));
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(out));
          return;
        }
        const eksPath = /^\/clusters\/([^/]+)\/node-groups\/([^/?]+)/.exec(req.url ?? '');
        if (req.method === 'GET' && eksPath) {
          action = 'DescribeNodegroup';
          requests.push({ api, action });
          try {
            const ng = await ports.eks.describeNodegroup(
              decodeURIComponent(eksPath[1]),
              decodeURIComponent(eksPath[2]),
            );
            res.writeHead(200, { 'content-type': 'application/json' }).end(
              JSON.stringify({
                nodegroup: {
                  nodegroupName: eksPath[2],
                  clusterName: eksPath[1],
                  status: ng.status,
                  resources: { autoScalingGroups: ng.autoScalingGroups.map((name) => ({ name })) },
                },
              }),
            );
          } catch (err) {
            res
              .writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' })
              .end(JSON.stringify({ message: (err as Error).message }));
          }
          return;
        }
        const form = new URLSearchParams(body);
        action = form.get('Action') ?? '';
        api = form.get('Version') === '2011-01-01' ? 'autoscaling' : 'ec2';
        requests.push({ api, action });
        const xml = api === 'autoscaling' ? await autoScaling(action, form) : await ec2(action, form);
        res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
      } catch (err) {
        const e = err as { code?: string; name?: string };
        const code = e.code ?? (e.name && e.name !== 'Error' ? e.name : 'InternalFailure');
        const message = (err as Error).message;
        if (api === 'cloudwatch') {
          res
            .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
            .end(JSON.stringify({ __type: code, message }));
        } else if (api === 'ec2') {
          res
            .writeHead(400, { 'content-type': 'text/xml' })
            .end(
              `<Response><Errors><Error>${tag('Code', code)}${tag('Message', message)}</Error></Errors><RequestID>r-1</RequestID></Response>`,
            );
        } else {
          res
            .writeHead(400, { 'content-type': 'text/xml' })
            .end(
              `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type>${tag('Code', code)}${tag('Message', message)}</Error><RequestId>r-1</RequestId></ErrorResponse>`,
            );
        }
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
