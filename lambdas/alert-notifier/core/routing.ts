import type { AlertRoute } from '../config';
import type { Notification } from '../types';

export type Mention = AlertRoute['mention'];

export interface RouteDecision {
  /** Route name: the key of the webhook URL in the webhook secret. */
  readonly route: string;
  /** Mention to add: the route's, and only on a transition into ALARM; otherwise 'none'. */
  readonly mention: Mention;
  /** Why this route (for logs). */
  readonly matchedBy: string;
}

/** SNS topic name from its ARN (`arn:aws:sns:<region>:<account>:<name>`). */
export function topicName(topicArn: string | undefined): string | undefined {
  const name = topicArn?.split(':')[5];
  return name && name !== '' ? name : undefined;
}

/** Why `route` matches, or undefined. A route needs at least one criterion, and all it gives must hold. */
function matchReason(route: AlertRoute, n: Notification, topic: string | undefined): string | undefined {
  const { topics, severities, tag } = route.match;
  if (!topics?.length && !severities?.length && !tag) return undefined;
  const reasons: string[] = [];
  if (topics?.length) {
    if (!topic || !topics.includes(topic)) return undefined;
    reasons.push(`topic ${topic}`);
  }
  if (severities?.length) {
    if (!severities.includes(n.severity)) return undefined;
    reasons.push(`severity ${n.severity}`);
  }
  if (tag) {
    if (n.tags[tag.key] !== tag.value) return undefined;
    reasons.push(`tag ${tag.key}=${tag.value}`);
  }
  return reasons.join(', ');
}

/**
 * Picks the route for a notification: the first route (in config order) whose criteria all match, else the default
 * route. The route's mention applies only when the notification reports a transition into ALARM.
 */
export function routeNotification(
  n: Notification,
  topicArn: string | undefined,
  routes: readonly AlertRoute[],
  defaultRoute: string,
): RouteDecision {
  const topic = topicName(topicArn);
  for (const route of routes) {
    const reason = matchReason(route, n, topic);
    if (reason !== undefined)
      return { route: route.name, mention: n.enteredAlarm ? route.mention : 'none', matchedBy: reason };
  }
  const fallback = routes.find((r) => r.name === defaultRoute);
  return {
    route: defaultRoute,
    mention: n.enteredAlarm && fallback ? fallback.mention : 'none',
    matchedBy: 'default route',
  };
}
