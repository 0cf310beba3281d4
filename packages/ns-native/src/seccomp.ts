import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NativeBinding, NativeSeccompFilter } from './binding.js';
import { invalid } from './plan-checks.js';
import { ContainerSpecError } from './spawn-errors.js';

/** An OCI seccomp action (runtime-spec config-linux.md, "Seccomp"). */
export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

/** One comparison on a syscall argument; `valueTwo` is the value for SCMP_CMP_MASKED_EQ. */
export interface SeccompArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: SeccompOperator;
}

/** An action for some syscalls, taken when every comparison in `args` holds. */
export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  /** The errno of SCMP_ACT_ERRNO (and the data of SCMP_ACT_TRACE); default EPERM. */
  errnoRet?: number;
  args?: SeccompArg[];
}

/** The OCI `linux.seccomp` object. */
export interface SeccompSpec {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** `SCMP_ARCH_X86_64`...; the native architecture is always included. */
  architectures?: string[];
  /** `SECCOMP_FILTER_FLAG_LOG`, `SECCOMP_FILTER_FLAG_SPEC_ALLOW`, `SECCOMP_FILTER_FLAG_TSYNC`. */
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SeccompSyscall[];
}

/** A compiled filter: the BPF program the child loads, and the names nothing here knew. */
export interface CompiledSeccomp {
  program: Buffer;
  /** seccomp(2) flags for SECCOMP_SET_MODE_FILTER. */
  flags: number;
  /** Syscall names this libseccomp does not know; their rules were skipped, as runc does. */
  unknown: string[];
}

const EPERM = 1;
// The kernel's limit on a classic-BPF program (BPF_MAXINSNS).
const MAX_INSTRUCTIONS = 4096;

// SECCOMP_RET_* values as libseccomp spells them (seccomp.h SCMP_ACT_*); the low 16 bits of
// ERRNO and TRACE carry their data.
const actionBase: Partial<Record<SeccompAction, number>> = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
};

const operators: Record<SeccompOperator, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

// linux/seccomp.h SECCOMP_FILTER_FLAG_*; NEW_LISTENER needs a notify agent iza does not have.
const filterFlags: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};

function unsupported(what: string): ContainerSpecError {
  return new ContainerSpecError(
    'ERR_IZA_NATIVE_UNSUPPORTED',
    `seccomp: ${what} is not supported`,
    'use a profile without it, or run with seccomp unconfined',
  );
}

function actionValue(action: SeccompAction, errnoRet: number | undefined, where: string) {
  if (action === 'SCMP_ACT_NOTIFY') throw unsupported('SCMP_ACT_NOTIFY (a notify agent)');
  const base = actionBase[action];
  if (base === undefined) throw invalid(`seccomp: unknown action ${String(action)} in ${where}`);
  if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') {
    if (errnoRet !== undefined) throw invalid(`seccomp: errnoRet is only for SCMP_ACT_ERRNO`);
    return base;
  }
  const data = errnoRet ?? EPERM;
  if (!Number.isInteger(data) || data < 0 || data > 0xffff) {
    throw invalid(`seccomp: errnoRet ${data} in ${where} is not between 0 and 65535`);
  }
  return (base | data) >>> 0;
}

function u64(v: number | bigint | undefined, where: string): bigint {
  if (v === undefined) return 0n;
  const b = typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : -1n;
  if (b < 0n || b > 0xffffffffffffffffn) throw invalid(`seccomp: bad argument value in ${where}`);
  return b;
}

function architecture(name: string): string {
  const m = /^SCMP_ARCH_([A-Z0-9_]+)$/.exec(name);
  if (m?.[1] === undefined) throw invalid(`seccomp: unknown architecture ${name}`);
  return m[1].toLowerCase();
}

/**
 * Validates an OCI seccomp object and flattens it into what `compileSeccomp` takes. Rules whose
 * action is the default are dropped (libseccomp refuses them); a rule with two comparisons on
 * the same argument becomes one rule per comparison (libseccomp refuses those too; runc splits
 * them the same way). Pure: throws ContainerSpecError.
 */
export function seccompFilterPlan(spec: SeccompSpec): {
  filter: NativeSeccompFilter;
  flags: number;
} {
  if (spec.listenerPath !== undefined && spec.listenerPath !== '') {
    throw unsupported('listenerPath (a notify agent)');
  }
  const defaultAction = actionValue(spec.defaultAction, spec.defaultErrnoRet, 'defaultAction');
  let flags = 0;
  for (const name of spec.flags ?? []) {
    const flag = filterFlags[name];
    if (flag === undefined) throw unsupported(`flag ${name}`);
    flags |= flag;
  }

  const rules: NativeSeccompFilter['rules'] = [];
  (spec.syscalls ?? []).forEach((rule, i) => {
    const where = `syscalls[${i}]`;
    if (!Array.isArray(rule.names) || rule.names.length === 0) {
      throw invalid(`seccomp: ${where} names no syscall`);
    }
    for (const name of rule.names) {
      if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name)) {
        throw invalid(`seccomp: bad syscall name ${String(name)} in ${where}`);
      }
    }
    const action = actionValue(rule.action, rule.errnoRet, where);
    const args = (rule.args ?? []).map((a) => {
      const op = operators[a.op];
      if (op === undefined) throw invalid(`seccomp: unknown operator ${String(a.op)} in ${where}`);
      if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5) {
        throw invalid(`seccomp: argument index ${a.index} in ${where} is not between 0 and 5`);
      }
      return { index: a.index, op, value: u64(a.value, where), valueTwo: u64(a.valueTwo, where) };
    });
    if (action === defaultAction) return;

    const indexes = new Set(args.map((a) => a.index));
    if (indexes.size === args.length) {
      rules.push({ names: rule.names, action, args });
    } else {
      for (const arg of args) rules.push({ names: rule.names, action, args: [arg] });
    }
  });

  const architectures = (spec.architectures ?? []).map(architecture);
  return { filter: { defaultAction, architectures, rules }, flags };
}

export interface CompileSeccompOptions {
  /**
   * A directory (created when missing) where compiled programs are kept, keyed by the filter
   * and the libseccomp version: compiling docker's profile for two architectures costs about
   * 7 ms, reading it back a fraction of one. Only the caller's own files belong there.
   */
  cacheDir?: string;
}

/** Compiles an OCI seccomp object to the BPF program the container's init loads. */
export function compileSeccomp(
  spec: SeccompSpec,
  binding: NativeBinding,
  options: CompileSeccompOptions = {},
): CompiledSeccomp {
  const { filter, flags } = seccompFilterPlan(spec);
  if (options.cacheDir === undefined) return { ...compileFilter(filter, binding), flags };

  const key = createHash('sha256')
    .update(`${binding.seccompVersion()}\n`)
    .update(JSON.stringify(filter, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))
    .digest('hex');
  const file = join(options.cacheDir, `${key}.json`);
  const cached = readCached(file);
  if (cached) return { ...cached, flags };

  const compiled = compileFilter(filter, binding);
  writeCached(options.cacheDir, file, compiled);
  return { ...compiled, flags };
}

/** A cache entry, or undefined when it is missing or not a whole program. */
function readCached(file: string): { program: Buffer; unknown: string[] } | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { program: string; unknown: string[] };
    const program = Buffer.from(entry.program, 'base64');
    if (program.length === 0 || program.length % 8 !== 0 || program.length / 8 > MAX_INSTRUCTIONS)
      return undefined;
    return { program, unknown: entry.unknown };
  } catch {
    return undefined;
  }
}

// Written to a temporary name and renamed, so a reader sees a whole entry or none. A cache that
// cannot be written costs the next run a compile, nothing more.
function writeCached(dir: string, file: string, compiled: { program: Buffer; unknown: string[] }) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const entry = { program: compiled.program.toString('base64'), unknown: compiled.unknown };
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

function compileFilter(filter: NativeSeccompFilter, binding: NativeBinding) {
  let compiled;
  try {
    compiled = binding.compileSeccomp(filter);
  } catch (err) {
    // libseccomp refused something seccompFilterPlan let through (an architecture it lacks).
    const message = err instanceof Error ? err.message : String(err);
    throw new ContainerSpecError('ERR_IZA_NATIVE_SECCOMP', message);
  }
  const { program, unknown } = compiled;
  if (program.length / 8 > MAX_INSTRUCTIONS) {
    throw invalid(
      `seccomp: the filter compiles to ${program.length / 8} instructions, more than the kernel's ${MAX_INSTRUCTIONS}`,
    );
  }
  return { program, unknown };
}
