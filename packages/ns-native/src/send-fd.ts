import { loadBinding } from './load.js';

/**
 * The longest name {@link sendFd} sends, in bytes: runc's receivers (go-runc, containerd's shim)
 * read the name into a 4096-byte buffer and refuse a message that fills it.
 */
export const SEND_FD_NAME_MAX = 4095;

/**
 * Connects to the AF_UNIX stream socket at `socketPath`, sends one message whose data is `name`
 * and whose SCM_RIGHTS control message carries `fd`, then closes the connection. This is runc's
 * console socket protocol (`--console-socket`): the receiver gets its own copy of the open file,
 * and the caller still owns and must close `fd`.
 *
 * Throws a RangeError for a bad argument, and a system error (`syscall` `socket`, `connect` or
 * `sendmsg`, `path` = `socketPath`) when the socket cannot be reached, e.g. ENOENT, ECONNREFUSED,
 * or ENAMETOOLONG for a path longer than `sun_path` (107 bytes).
 */
export function sendFd(socketPath: string, fd: number, name: string): void {
  if (socketPath.length === 0 || socketPath.includes('\0')) {
    throw new RangeError(`bad socket path ${JSON.stringify(socketPath)}`);
  }
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) {
    throw new RangeError(`bad file descriptor ${fd}`);
  }
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > SEND_FD_NAME_MAX || name.includes('\0')) {
    throw new RangeError(`bad fd name: 1 to ${SEND_FD_NAME_MAX} bytes without NUL, got ${bytes}`);
  }
  loadBinding().sendFd(socketPath, fd, name);
}
