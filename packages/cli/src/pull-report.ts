import type { Engine, PullResult } from '@iza/engine';

import type { CommandContext } from './command.js';
import { createPullRenderer } from './pull-progress.js';

/** What `iza pull` prints when it is done, as docker: the digest, the status, the name. */
export function pullReport(result: PullResult): string {
  const status =
    result.status === 'up-to-date'
      ? `Image is up to date for ${result.familiarName}`
      : `Downloaded newer image for ${result.familiarName}`;
  return `Digest: ${result.digest}\nStatus: ${status}\n${result.name}\n`;
}

/** Pulls `ref` with progress on stderr (none when `quiet`), as `iza pull` and `iza run` show it. */
export async function pullWithProgress(
  engine: Engine,
  ctx: Pick<CommandContext, 'stderr' | 'env'>,
  ref: string,
  platform: string | undefined,
  quiet = false,
): Promise<PullResult> {
  const progress = createPullRenderer(ctx.stderr, ctx.env, quiet);
  try {
    return await engine.pull(ref, { platform, onEvent: progress.onEvent.bind(progress) });
  } finally {
    progress.stop();
  }
}
