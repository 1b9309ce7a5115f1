import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage } from '../../../../lambdas/alert-notifier/types';
import { MAX_FALLBACK_BODY } from '../../../../lambdas/alert-notifier/core/fallback';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { deepArray, deepJson } from '../../../corpus/alert-notifier/generated';
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

describe('deep JSON (issue 9 item 3): never a throw, the fallback with the raw body cut short', () => {
  it.each([
    ['an object nested 10,000 levels', deepJson(10_000)],
    ['an object nested 5,000 levels (under 50 KB, so serialising is tried)', deepJson(5_000)],
    ['an array nested 10,000 levels', deepArray(10_000)],
  ])('%s as an SNS message', (_name, body) => {
    const n = parseInbound(snsMessage(body, { subject: 'Deep' }));
    expect(n).toMatchObject({ kind: 'fallback', name: 'Deep' });
    expect(n.body?.startsWith(body.slice(0, 100))).toBe(true);
    expect(n.body?.length).toBeLessThanOrEqual(MAX_FALLBACK_BODY);
    expect(n.body).toMatch(/more characters\)$/);
  });

  it('an EventBridge event whose detail is nested 10,000 levels', () => {
    const event = { 'detail-type': 'Deep', source: 'custom.deep', detail: JSON.parse(deepJson(10_000)) as unknown };
    const n = parseInbound({ via: 'eventbridge', event, attributes: {} });
    expect(n).toMatchObject({ kind: 'eventbridge', name: 'Deep' });
    expect(n.body).toMatch(/nested too deeply/);
  });

  it('an ops event whose detail value is nested 10,000 levels', () => {
    // Written out by hand: JSON.stringify itself cannot serialise such a value.
    const body = JSON.stringify({ ...fixtureJson('ops-event.json'), details: { deep: 'DEEP' } }).replace(
      '"DEEP"',
      deepJson(10_000),
    );
    const n = parseInbound(snsMessage(body));
    expect(n.kind).toBe('ops-event');
    expect(n.fields.find((f) => f.label === 'deep')?.value).toMatch(/nested too deeply/);
  });
});
