import type { Notification } from '../../../../lambdas/alert-notifier/types';
import { routeNotification, topicName } from '../../../../lambdas/alert-notifier/core/routing';
import { ALARMS_TOPIC, OPS_TOPIC, ROUTES_CONFIG } from '../../../doubles/alert-notifier-events';

const base: Notification = {
  kind: 'cloudwatch-alarm',
  name: 'some-alarm',
  state: 'ALARM',
  previousState: 'OK',
  enteredAlarm: true,
  severity: 'warning',
  fields: [],
  items: [],
  links: [],
  tags: {},
  signals: [],
};

describe('routeNotification', () => {
  const routes = [
    {
      name: 'ops-topic',
      match: { topics: ['platform-ops-ops-events'], severities: ['critical' as const] },
      mention: 'channel' as const,
    },
    ...ROUTES_CONFIG.routes,
  ];
  it.each<[string, Partial<Notification>, string | undefined, string, string]>([
    ['critical → oncall with @here on entering alarm', { severity: 'critical' }, ALARMS_TOPIC, 'oncall', 'here'],
    [
      'critical recovery → oncall, no mention',
      { severity: 'critical', state: 'OK', enteredAlarm: false },
      ALARMS_TOPIC,
      'oncall',
      'none',
    ],
    ['team=dba tag → dba', { tags: { team: 'dba' } }, ALARMS_TOPIC, 'dba', 'none'],
    [
      'first match wins: critical and team=dba → oncall',
      { severity: 'critical', tags: { team: 'dba' } },
      ALARMS_TOPIC,
      'oncall',
      'here',
    ],
    [
      'topic AND severity: critical on the ops topic → ops-topic',
      { severity: 'critical' },
      OPS_TOPIC,
      'ops-topic',
      'channel',
    ],
    [
      'topic AND severity: warning on the ops topic does not match ops-topic',
      { severity: 'warning' },
      OPS_TOPIC,
      'platform',
      'channel',
    ],
    ['nothing matches → default route, its mention on entering alarm', {}, ALARMS_TOPIC, 'platform', 'channel'],
    [
      'default route, no mention when not entering alarm',
      { state: 'INSUFFICIENT_DATA', enteredAlarm: false },
      ALARMS_TOPIC,
      'platform',
      'none',
    ],
    ['no topic (direct EventBridge) → default', {}, undefined, 'platform', 'channel'],
  ])('%s', (_name, patch, topic, route, mention) => {
    const decision = routeNotification({ ...base, ...patch }, topic, routes, 'platform');
    expect(decision.route).toBe(route);
    expect(decision.mention).toBe(mention);
  });

  it('a route with no criteria never matches by itself (only as the default)', () => {
    const decision = routeNotification(
      base,
      ALARMS_TOPIC,
      [{ name: 'catch-all', match: {}, mention: 'here' }, ...ROUTES_CONFIG.routes],
      'platform',
    );
    expect(decision.route).toBe('platform');
  });

  it('topic name from ARN', () => {
    expect(topicName(ALARMS_TOPIC)).toBe('platform-ops-alarms');
    expect(topicName(undefined)).toBeUndefined();
  });
});
