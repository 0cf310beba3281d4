import { tool } from './tool.js';

/**
 * One htpasswd line with a bcrypt hash (the only scheme docker-registry accepts), made by
 * `htpasswd -nbB` from Debian's apache2-utils.
 */
export async function htpasswdLine(user: string, password: string): Promise<string> {
  const line = await tool('htpasswd', ['-nbB', user, password]);
  return `${line.trim()}\n`;
}
