/**
 * Slack doubles shared by tests, benches and the CLI tests:
 * - FakeSlack: a loopback Slack incoming-webhook stand-in (real HTTP), its answer chosen by the request path
 *   (`/ok`, `/invalid`, `/server-error`, `/rate-limited-once`, `/hang`, `/status/<code>/<body>`...) or forced for
 *   every request with `answerAll`; every request is recorded.
 * - RecordingSlack: an in-memory sender (the notifier's `send` port) that records payloads and answers as told.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlackPayload } from '../../lambdas/alert-notifier/core/render-slack';
import type { DeliveryResult } from '../../lambdas/alert-notifier/ports';

export interface Received {
  readonly path: string;
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly at: number;
}

/** A loopback Slack webhook stand-in: behaviour chosen by path, every request recorded. */
export class FakeSlack {
  readonly received: Received[] = [];
  private server!: Server;
  private rateLimited = new Map<string, number>();
  base = '';
  /** When set, every request gets this answer whatever its path. */
  answerAll: { status: number; body: string } | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      this.received.push({
        path,
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'text/html', ...headers });
        res.end(body);
      };
      if (this.answerAll) return reply(this.answerAll.status, this.answerAll.body);
      if (path.startsWith('/ok')) return reply(200, 'ok');
      if (path.startsWith('/rate-limited-once')) {
        const seen = this.rateLimited.get(path) ?? 0;
        this.rateLimited.set(path, seen + 1);
        return seen === 0 ? reply(429, 'rate_limited', { 'retry-after': '1' }) : reply(200, 'ok');
      }
      if (path.startsWith('/rate-limited-long')) return reply(429, 'rate_limited', { 'retry-after': '120' });
      if (path.startsWith('/rate-limited-always')) return reply(429, 'rate_limited', { 'retry-after': '0' });
      if (path.startsWith('/server-error')) return reply(500, 'rollup_error');
      if (path.startsWith('/invalid')) return reply(400, 'invalid_payload');
      if (path.startsWith('/gone')) return reply(404, 'no_service');
      if (path.startsWith('/archived')) return reply(410, 'channel_is_archived');
      if (path.startsWith('/hang')) return; // never answers: the client must time out
      // /status/<code>/<url-encoded body>: any status with any body.
      const status = /^\/status\/(\d{3})\/?(.*)$/.exec(path);
      if (status) return reply(Number(status[1]), decodeURIComponent(status[2]));
      // Bodies that quote the webhook URL (a proxy or a framework's default error page).
      if (path.startsWith('/echo-404')) return reply(404, `Cannot POST ${path}`);
      if (path.startsWith('/html-502'))
        return reply(
          502,
          `<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>upstream https://hooks.slack.com${path} failed; also tried hooks.slack.com${path}</p></body></html>`,
        );
      if (path.startsWith('/code-and-url')) return reply(400, `invalid_payload for hooks.slack.com${path}`);
      return reply(404, 'not_found');
    });
  }
}

/** What the in-memory sender answers; `sent` by default. */
export type SlackAnswer = (payload: SlackPayload, url: string) => DeliveryResult | Promise<DeliveryResult>;

export const SENT: DeliveryResult = { outcome: 'sent', attempts: 1, httpStatus: 200 };

/** In-memory Slack: the notifier's `send` port (and the CLI's sender), recording every payload it accepts. */
export class RecordingSlack {
  /** Every payload answered `sent`, with the URL it was posted to. */
  readonly sent: { url: string; payload: SlackPayload }[] = [];
  /** Every call, whatever the answer. */
  calls = 0;

  constructor(private readonly answer: SlackAnswer = () => SENT) {}

  readonly send = async (url: string, payload: unknown): Promise<DeliveryResult> => {
    this.calls++;
    const result = await this.answer(payload as SlackPayload, url);
    if (result.outcome === 'sent') this.sent.push({ url, payload: payload as SlackPayload });
    return result;
  };
}
