import type { PullResult } from '@iza/engine';

/** What `iza pull` prints when it is done, as docker: the digest, the status, the name. */
export function pullReport(result: PullResult): string {
  const status =
    result.status === 'up-to-date'
      ? `Image is up to date for ${result.familiarName}`
      : `Downloaded newer image for ${result.familiarName}`;
  return `Digest: ${result.digest}\nStatus: ${status}\n${result.name}\n`;
}
