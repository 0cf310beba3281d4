import { createEngine, dockerConfigPathFrom } from '@iza/engine';
import type { Engine } from '@iza/engine';

import type { CommandContext } from './command.js';
import { caDeferred, pullInChild, userEnv } from './deferred-ca.js';
import { pullReport, pullWithProgress } from './pull-report.js';

/** The engine for this invocation, set up from the global options. */
export function engineFor(ctx: CommandContext): Engine {
  const g = ctx.globals;
  const engine: Engine = createEngine({
    root: g.root,
    storageDriver: g.storageDriver,
    registryMirrors: g.registryMirror,
    insecureRegistries: g.insecureRegistry,
    configFile: g.config,
    dockerConfigPath: dockerConfigPathFrom(ctx.env),
    hostEnv: userEnv(ctx.env),
    // `run` of a missing image prints the pull on stderr as docker does, with the same lines
    // as `iza pull`, whether it pulls here or in a child that has the CA file (deferred-ca.ts).
    pullForRun: caDeferred(ctx.env)
      ? (ref, platform) => pullInChild(ctx.env, ctx.globalArgv, ref, platform)
      : async (ref, platform) => {
          ctx.stderr.write(pullReport(await pullWithProgress(engine, ctx, ref, platform)));
        },
    version: ctx.version,
    onWarning: (message) => ctx.stderr.write(`[WARNING] ${message}\n`),
  });
  return engine;
}
