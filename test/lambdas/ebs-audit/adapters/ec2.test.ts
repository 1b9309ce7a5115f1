import { DescribeRegionsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { listEnabledRegions, listUnattachedVolumes } from '../../../../lambdas/ebs-audit/adapters/ec2';

const ec2Mock = mockClient(EC2Client);
beforeEach(() => {
  ec2Mock.reset();
});

test('DescribeVolumes: status=available filter, 500 per page, follows every page', async () => {
  // The SDK paginator reuses its input object between pages, so record a copy of each request as it is sent.
  const pages = [
    {
      Volumes: [{ VolumeId: 'vol-1', Size: 10, VolumeType: 'gp2', Tags: [{ Key: 'owner', Value: 'a' }] }],
      NextToken: 't1',
    },
    { Volumes: [], NextToken: 't2' }, // an empty page in the middle does not end the listing
    { Volumes: [{ VolumeId: 'vol-2', State: 'available', Iops: 3000, Throughput: 125 }] },
  ];
  const sent: unknown[] = [];
  ec2Mock.on(DescribeVolumesCommand).callsFake((input) => {
    sent.push(structuredClone(input));
    return pages.shift();
  });
  const vols = await listUnattachedVolumes(new EC2Client({ region: 'us-east-1' }));
  expect(vols.map((v) => v.volumeId)).toEqual(['vol-1', 'vol-2']);
  expect(vols[0].tags).toEqual({ owner: 'a' });
  expect(ec2Mock).toHaveReceivedCommandTimes(DescribeVolumesCommand, 3);
  const calls = sent;
  expect(calls[0]).toEqual({ Filters: [{ Name: 'status', Values: ['available'] }], MaxResults: 500 });
  expect(calls[1]).toMatchObject({ NextToken: 't1', MaxResults: 500 });
  expect(calls[2]).toMatchObject({ NextToken: 't2' });
  for (const c of calls) expect(c).not.toHaveProperty('VolumeIds');
});

test('DescribeRegions asks for enabled regions only', async () => {
  ec2Mock.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-east-1' }, { RegionName: 'af-south-1' }] });
  expect(await listEnabledRegions(new EC2Client({ region: 'us-east-1' }))).toEqual(['af-south-1', 'us-east-1']);
  expect(ec2Mock).toHaveReceivedCommandWith(DescribeRegionsCommand, {
    AllRegions: false,
    Filters: [{ Name: 'opt-in-status', Values: ['opt-in-not-required', 'opted-in'] }],
  });
});
