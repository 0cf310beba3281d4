import { createEngine, dockerConfigPathFrom } from '@iza/engine';
import type { Engine } from '@iza/engine';

import type { CommandContext } from './command.js';

/** The engine for this invocation, set up from the global options. */
export function engineFor(ctx: CommandContext): Engine {
  const g = ctx.globals;
  return createEngine({
    root: g.root,
    storageDriver: g.storageDriver,
    registryMirrors: g.registryMirror,
    insecureRegistries: g.insecureRegistry,
    configFile: g.config,
    dockerConfigPath: dockerConfigPathFrom(ctx.env),
    hostEnv: ctx.env,
    version: ctx.version,
    onWarning: (message) => ctx.stderr.write(`[WARNING] ${message}\n`),
  });
}
