import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { fixtureJson, fixtureText, ROUTES_CONFIG, snsMessage } from '../../../doubles/alert-notifier-events';

const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe('parseInbound: parseInbound: dispatch by shape', () => {
  it('EventBridge alarm event forwarded through SNS (Subject null, Message is the event) parses the same', () => {
    const direct = parse({
      via: 'eventbridge',
      event: fixtureJson('eventbridge-alarm-state-change.json'),
      attributes: {},
    });
    const viaSns = parse(snsMessage(fixtureText('eventbridge-alarm-state-change.json')));
    expect(viaSns).toEqual(direct);
  });

  it("backup-pruner's freshness alarm is a CNPG backup failure for the target's cluster", () => {
    const n = parse(snsMessage(fixtureText('cloudwatch-freshness-alarm.json')));
    expect(n).toMatchObject({ kind: 'cloudwatch-alarm', state: 'ALARM', region: 'eu-west-1' });
    expect(n.cnpg).toEqual({ signal: 'backup-failed', cluster: 'orders-db' });
  });

  it('a text message containing "AlarmName" is not mistaken for an alarm (anchor bug)', () => {
    const n = parse(snsMessage('Please check AlarmName orders-db-cpu-high, it flaps'));
    expect(n.kind).toBe('fallback');
  });
});
