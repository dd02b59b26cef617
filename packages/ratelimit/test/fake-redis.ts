import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

/** How the fake server answers one command: raw RESP bytes, or `undefined` to never answer. */
export type FakeAnswer = (command: readonly string[]) => string | undefined;

/**
 * A TCP server on loopback that speaks just enough RESP to look like Redis: it parses the client's
 * commands and answers each with what `answer` returns (`+OK` for anything else it is not told).
 */
export class FakeRedis {
  readonly commands: string[][] = [];
  readonly #sockets = new Set<Socket>();
  /** Commands received while frozen, answered in order by `thaw()` (as a stopped Redis would). */
  readonly #held: { socket: Socket; command: string[] }[] = [];
  #frozen = false;
  private constructor(
    readonly server: Server,
    readonly port: number,
    public answer: FakeAnswer,
  ) {}

  static async start(answer: FakeAnswer): Promise<FakeRedis> {
    let fake: FakeRedis | undefined;
    const server = createServer((socket) => fake?.accept(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    fake = new FakeRedis(server, (server.address() as { port: number }).port, answer);
    return fake;
  }

  /** Commands received whose name is `name` (case-insensitive). */
  count(name: string): number {
    return this.commands.filter((command) => command[0]?.toUpperCase() === name).length;
  }

  accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseCommand(buffer);
        if (parsed === undefined) return;
        buffer = buffer.subarray(parsed.length);
        this.commands.push(parsed.command);
        if (this.#frozen) this.#held.push({ socket, command: parsed.command });
        else this.#reply(socket, parsed.command);
      }
    });
  }

  #reply(socket: Socket, command: string[]): void {
    const reply = this.answer(command);
    if (reply !== undefined && !socket.destroyed) socket.write(reply);
  }

  /** Keeps connections open but answers nothing. */
  freeze(): void {
    this.#frozen = true;
  }

  /** Answers what was held, in order, then everything again. */
  thaw(): void {
    this.#frozen = false;
    for (const { socket, command } of this.#held.splice(0)) this.#reply(socket, command);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Parses one RESP array of bulk strings at the start of `buffer`. */
function parseCommand(buffer: Buffer): { command: string[]; length: number } | undefined {
  let at = 0;
  const line = (): string | undefined => {
    const end = buffer.indexOf('\r\n', at);
    if (end === -1) return undefined;
    const text = buffer.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined || !head.startsWith('*')) return undefined;
  const command: string[] = [];
  for (let i = 0, n = Number(head.slice(1)); i < n; i++) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < at + length + 2) return undefined;
    command.push(buffer.toString('utf8', at, at + length));
    at += length + 2;
  }
  return { command, length: at };
}

/** The RESP reply of a flat array of integers. */
export function integers(values: readonly number[]): string {
  return `*${values.length}\r\n${values.map((value) => `:${value}\r\n`).join('')}`;
}
