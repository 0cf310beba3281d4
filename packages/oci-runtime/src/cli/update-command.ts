import { readFileSync } from 'node:fs';

import { parseMemorySize } from '@iza/cgroups';
import { IzaError } from '@iza/errors';

import { invalidConfig, OciErrorCode, unsupported } from '../errors.js';
import type { OciResources } from '../oci-config.js';
import type { ParsedArgv } from './argv.js';

// runc update flags iza cannot apply: named in the refusal rather than dropped.
const REFUSED = [
  'blkio-weight',
  'cpu-burst',
  'cpu-idle',
  'cpu-rt-period',
  'cpu-rt-runtime',
  'l3-cache-schema',
  'mem-bw-schema',
];

function integer(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) {
    throw new IzaError(OciErrorCode.Usage, `invalid value for --${flag}: ${text}`);
  }
  return Number(text);
}

// runc reads memory flags with go-units RAMInBytes ("100m", "1g"), -1 for unlimited.
function bytes(text: string, flag: string): number {
  if (text === '-1') return -1;
  try {
    return parseMemorySize(text);
  } catch (err) {
    throw new IzaError(OciErrorCode.Usage, `invalid value for --${flag}: ${text}`, { cause: err });
  }
}

function readResources(source: string): OciResources {
  let text: string;
  try {
    // fd 0 for '-': containerd writes the JSON on the runtime's stdin.
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new IzaError(OciErrorCode.InvalidConfig, `cannot read resources from ${source}`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as OciResources;
  } catch (err) {
    throw invalidConfig('resources', `not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * runc update's input: the LinuxResources JSON of --resources (a file, or `-` for stdin; the
 * other flags are then ignored, as runc does), else the resources the flags name.
 */
export function resourcesFromArgv(p: ParsedArgv): OciResources {
  const f = (name: string) => {
    const v = p.flags[name];
    return typeof v === 'string' ? v : undefined;
  };
  const source = f('resources');
  if (source !== undefined) return readResources(source);

  for (const name of REFUSED) {
    if (f(name) !== undefined) throw unsupported(`--${name}`);
  }
  const r: OciResources = {};
  const memory: NonNullable<OciResources['memory']> = {};
  const cpu: NonNullable<OciResources['cpu']> = {};
  const m = (flag: string, key: 'limit' | 'swap' | 'reservation') => {
    const v = f(flag);
    if (v !== undefined) memory[key] = bytes(v, flag);
  };
  m('memory', 'limit');
  m('memory-swap', 'swap');
  m('memory-reservation', 'reservation');
  const c = (flag: string, key: 'shares' | 'quota' | 'period') => {
    const v = f(flag);
    if (v !== undefined) cpu[key] = integer(v, flag);
  };
  c('cpu-share', 'shares');
  c('cpu-quota', 'quota');
  c('cpu-period', 'period');
  if (f('cpuset-cpus') !== undefined) cpu.cpus = f('cpuset-cpus') as string;
  if (f('cpuset-mems') !== undefined) cpu.mems = f('cpuset-mems') as string;
  if (Object.keys(memory).length > 0) r.memory = memory;
  if (Object.keys(cpu).length > 0) r.cpu = cpu;
  const pids = f('pids-limit');
  if (pids !== undefined) r.pids = { limit: integer(pids, 'pids-limit') };
  return r;
}
