import { spawn } from 'node:child_process';

/**
 * A console socket's other end, as conmon is one: listens on a path, accepts one connection,
 * takes the fd (recvmsg, SCM_RIGHTS), reads the pty's window size, then everything the
 * container writes until the pty reports EIO (no slave left).
 */
const RECEIVER = `
import fcntl, json, os, socket, struct, sys, termios
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1])
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
name, fds, flags, _ = socket.recv_fds(conn, 4096, 4)
rows, cols = struct.unpack("HHHH", fcntl.ioctl(fds[0], termios.TIOCGWINSZ, bytes(8)))[:2]
out = b""
while True:
    try:
        chunk = os.read(fds[0], 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
print(json.dumps({"name": name.decode(), "fds": len(fds), "rows": rows, "cols": cols,
                  "isatty": os.isatty(fds[0]), "output": out.decode()}), flush=True)
`;

/** What the receiver got. */
export interface ReceivedConsole {
  name: string;
  fds: number;
  rows: number;
  cols: number;
  isatty: boolean;
  output: string;
}

/** A running receiver: `ready` once it listens, `result` when the pty closed. */
export interface ConsoleReceiver {
  ready: Promise<void>;
  result: Promise<ReceivedConsole>;
  /** Kills the receiver (by its pid) if it still runs. */
  stop(): void;
}

export function startConsoleReceiver(socketPath: string): ConsoleReceiver {
  const child = spawn('python3', ['-c', RECEIVER, socketPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const result = new Promise<ReceivedConsole>((resolve, reject) => {
    child.on('exit', (code) => {
      const line = out.split('\n')[1];
      if (code === 0 && line) resolve(JSON.parse(line) as ReceivedConsole);
      else reject(new Error(`console receiver exited ${code}: ${err}`));
    });
  });
  return {
    // A receiver that dies before listening rejects `ready` too.
    ready: Promise.race([ready, result.then(() => undefined)]),
    result,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
