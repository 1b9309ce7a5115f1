import type { AlertNotifierConfig } from '../config';
import type { InboundMessage, Notification } from '../types';
import { classifyCnpg } from './cnpg';
import { parseInbound } from './parse';
import { renderSlackMessage, type SlackPayload } from './render-slack';
import { routeNotification, type RouteDecision } from './routing';

/** The config the message pipeline reads: routes and runbook links. */
export type PrepareConfig = Pick<AlertNotifierConfig, 'routes' | 'defaultRoute' | 'runbooks'>;

export interface PreparedMessage {
  readonly notification: Notification;
  readonly decision: RouteDecision;
  readonly payload: SlackPayload;
}

/** Parse → CNPG classification → route → render, for one message. Pure; never throws on any input. */
export function prepareMessage(message: InboundMessage, config: PrepareConfig): PreparedMessage {
  const notification = classifyCnpg(parseInbound(message), config.runbooks);
  const decision = routeNotification(notification, message.topicArn, config.routes, config.defaultRoute);
  return { notification, decision, payload: renderSlackMessage(notification, decision.mention) };
}
