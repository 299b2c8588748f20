import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP receiver on 127.0.0.1 that records every JSON body and answers with `status`. */
export interface Receiver {
  url: string;
  bodies: unknown[];
  /** the status of the next answers (change it to make the receiver fail) */
  status: number;
  /** while true, bodies are recorded but not answered until `release()` (a receiver that hangs) */
  holding: boolean;
  /** answers every held request with `status` and stops holding */
  release(): void;
  /** resolves once `n` bodies have arrived */
  received(n: number): Promise<void>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** `validate` may throw: the receiver then answers 400 with the message (as a strict receiver would). */
export async function startReceiver(
  validate: (body: unknown, path: string) => void = () => undefined,
): Promise<Receiver> {
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const held: Array<() => void> = [];
  const receiver: Receiver = {
    url: '',
    bodies: [],
    status: 200,
    holding: false,
    release: () => {
      receiver.holding = false;
      for (const answer of held.splice(0)) answer();
    },
    received: (n) =>
      receiver.bodies.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      try {
        const body: unknown = JSON.parse(text);
        validate(body, req.url ?? '');
        receiver.bodies.push(body);
        const answer = () => res.writeHead(receiver.status).end();
        if (receiver.holding) held.push(answer);
        else answer();
      } catch (err) {
        res.writeHead(400).end((err as Error).message);
      }
      for (const w of waiters.filter((x) => receiver.bodies.length >= x.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** A port that was free a moment ago and has nobody listening now (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
