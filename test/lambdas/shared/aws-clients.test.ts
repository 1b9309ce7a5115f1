import { createServer, type Server, type Socket } from 'node:net';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { AwsCallTimeoutError, awsClientConfig, createAwsClient } from '../../../lambdas/shared/aws-clients';

/** A TCP server that accepts connections and never answers: the endpoint that used to hang a run. */
async function silentServer(): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, sockets };
}

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

describe('createAwsClient deadlines', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(async () => {
    for (const s of silent.sockets) s.destroy();
    await new Promise((resolve) => silent.server.close(resolve));
  });

  it('an endpoint that never answers fails the call with "timed out", naming the operation', async () => {
    const client = createAwsClient(SNSClient, {
      region: 'eu-west-1',
      endpoint: silent.url,
      credentials,
      maxAttempts: 2,
      requestTimeoutMs: 150,
    });
    const error = await client.send(new ListTopicsCommand({})).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(AwsCallTimeoutError);
    expect((error as Error).message).toMatch(/^SNSClient\.ListTopicsCommand timed out after \d+ ms$/);
  });

  it('the whole call is bounded by its budget even while attempts are retried', async () => {
    const client = createAwsClient(SNSClient, {
      region: 'eu-west-1',
      endpoint: silent.url,
      credentials,
      maxAttempts: 10,
      requestTimeoutMs: 10_000,
      callTimeoutMs: 200,
    });
    await expect(client.send(new ListTopicsCommand({}))).rejects.toThrow(
      'SNSClient.ListTopicsCommand timed out after 200 ms',
    );
    client.destroy();
  });

  it("no call outlives the run's deadline", async () => {
    const client = createAwsClient(SNSClient, {
      region: 'eu-west-1',
      endpoint: silent.url,
      credentials,
      deadline: () => Date.now() - 1,
    });
    await expect(client.send(new ListTopicsCommand({}))).rejects.toThrow(
      'SNSClient.ListTopicsCommand timed out after 0 ms',
    );
    client.destroy();
  });
});

describe('AWS client factory', () => {
  it('sets adaptive retry, bounded attempts and overrides', async () => {
    const config = awsClientConfig({ region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000', maxAttempts: 3 });
    expect(config).toMatchObject({
      region: 'eu-central-1',
      endpoint: 'http://127.0.0.1:9000',
      maxAttempts: 3,
      retryMode: 'adaptive',
    });
    const client = createAwsClient(SNSClient, { region: 'eu-central-1', maxAttempts: 2 });
    expect(await client.config.maxAttempts()).toBe(2);
    expect(await client.config.region()).toBe('eu-central-1');
  });

  it('refuses unbounded attempts', () => {
    expect(() => awsClientConfig({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => awsClientConfig({ maxAttempts: 50 })).toThrow(/maxAttempts/);
  });
});
