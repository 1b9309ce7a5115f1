import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { fixtureJson, fixtureText, ROUTES_CONFIG, snsMessage } from '../../../doubles/alert-notifier-events';

const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('parseInbound: anything else: generic EventBridge events and unknown bodies', () => {
  it('other EventBridge events: detail-type, source, resources and the detail', () => {
    const n = parse({ via: 'eventbridge', event: fixtureJson('eventbridge-other.json'), attributes: {} });
    expect(n).toMatchObject({ kind: 'eventbridge', name: 'EC2 Instance State-change Notification', state: 'INFO' });
    expect(n.body).toContain('"state": "terminated"');
  });

  it('anything else: subject and pretty-printed body', () => {
    const n = parse(snsMessage(fixtureText('unknown-json.json'), { subject: 'Amazon S3 Notification' }));
    expect(n).toMatchObject({ kind: 'fallback', name: 'Amazon S3 Notification' });
    expect(n.body).toContain('"Event": "s3:TestEvent"');
  });
});
