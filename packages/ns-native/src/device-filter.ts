import { endianness } from 'node:os';

import { loadBinding } from './load.js';
import { ContainerSpecError } from './spawn-errors.js';

/**
 * One device access rule, as OCI's linux.resources.devices and cgroup v1's devices.allow and
 * devices.deny take it: `a` (all devices), `c` or `b`; a missing or negative major or minor is
 * `*`; access is a subset of `rwm`.
 */
export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number | null;
  minor?: number | null;
  access?: string;
}

// linux/bpf.h: struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, where
// access_type is (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*.
const DEV_BLOCK = 1;
const DEV_CHAR = 2;
const ACC_MKNOD = 1;
const ACC_READ = 2;
const ACC_WRITE = 4;

// Opcodes (linux/bpf_common.h, bpf.h) of the few instructions the program needs.
const LDX_MEM_W = 0x61; // dst = *(u32 *)(src + off)
const ALU32_AND_K = 0x54; // dst &= imm (32-bit)
const ALU32_RSH_K = 0x74; // dst >>= imm (32-bit)
const ALU32_MOV_X = 0xbc; // dst = src (32-bit)
const ALU64_MOV_K = 0xb7; // dst = imm
const JMP_JNE_K = 0x55; // if dst != imm: pc += off
const JMP_EXIT = 0x95; // return r0

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
});

function accessBits(access: string | undefined): number {
  let bits = 0;
  for (const ch of access ?? 'rwm') {
    if (ch === 'r') bits |= ACC_READ;
    else if (ch === 'w') bits |= ACC_WRITE;
    else if (ch === 'm') bits |= ACC_MKNOD;
    else {
      throw new ContainerSpecError(
        'ERR_IZA_NATIVE_INVALID_SPEC',
        `device rule access ${JSON.stringify(access)}: only r, w and m are allowed`,
      );
    }
  }
  return bits;
}

const isWildcard = (n: number | null | undefined) => n === undefined || n === null || n < 0;

/** One rule's test: the jumps past it when the request does not match, then its verdict. */
function ruleBlock(rule: DeviceRule): Insn[] {
  const tests: Array<(skip: number) => Insn[]> = [];
  const type = rule.type ?? 'a';
  if (type !== 'a') {
    const want = type === 'b' ? DEV_BLOCK : DEV_CHAR;
    tests.push((skip) => [insn(JMP_JNE_K, 2, 0, skip, want)]);
    const bits = accessBits(rule.access);
    if (bits !== (ACC_READ | ACC_WRITE | ACC_MKNOD)) {
      // Matches only when every access asked for is in the rule: (asked & ~allowed) == 0.
      tests.push((skip) => [
        insn(ALU32_MOV_X, 1, 3, 0, 0),
        insn(ALU32_AND_K, 1, 0, 0, ~bits & 7),
        insn(JMP_JNE_K, 1, 0, skip, 0),
      ]);
    }
    if (!isWildcard(rule.major)) tests.push((skip) => [insn(JMP_JNE_K, 4, 0, skip, rule.major!)]);
    if (!isWildcard(rule.minor)) tests.push((skip) => [insn(JMP_JNE_K, 5, 0, skip, rule.minor!)]);
  }
  const verdict = [insn(ALU64_MOV_K, 0, 0, 0, rule.allow ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0)];

  // Each test's jump skips to the end of the block: everything after it.
  const out: Insn[] = [];
  const sizes = tests.map((t) => t(0).length);
  for (const [i, test] of tests.entries()) {
    const after = sizes.slice(i + 1).reduce((a, b) => a + b, 0) + verdict.length;
    out.push(...test(after));
  }
  return [...out, ...verdict];
}

/**
 * Assembles OCI device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program with cgroup v1's
 * meaning: the last rule that matches a request decides, and an `a` rule matches every request
 * (so nothing before the last one matters). With no `a` rule, what no rule matches is allowed,
 * as a new v1 cgroup inherits its parent's allow-all. Returns the instructions as the kernel
 * takes them (struct bpf_insn, host byte order).
 */
export function assembleDeviceFilter(rules: readonly DeviceRule[]): Buffer {
  const program: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0), // r2 = access_type
    insn(ALU32_AND_K, 2, 0, 0, 0xffff), // r2 = device type
    insn(LDX_MEM_W, 3, 1, 0, 0),
    insn(ALU32_RSH_K, 3, 0, 0, 16), // r3 = access asked
    insn(LDX_MEM_W, 4, 1, 4, 0), // r4 = major
    insn(LDX_MEM_W, 5, 1, 8, 0), // r5 = minor
  ];
  let fallback = true;
  for (const rule of [...rules].reverse()) {
    if ((rule.type ?? 'a') === 'a') {
      fallback = rule.allow;
      break;
    }
    program.push(...ruleBlock(rule));
  }
  program.push(insn(ALU64_MOV_K, 0, 0, 0, fallback ? 1 : 0), insn(JMP_EXIT, 0, 0, 0, 0));

  const buf = Buffer.alloc(program.length * 8);
  const little = endianness() === 'LE';
  for (const [i, ins] of program.entries()) {
    const at = i * 8;
    buf.writeUInt8(ins.code, at);
    buf.writeUInt8(little ? (ins.src << 4) | ins.dst : (ins.dst << 4) | ins.src, at + 1);
    if (little) {
      buf.writeInt16LE(ins.off, at + 2);
      buf.writeInt32LE(ins.imm | 0, at + 4);
    } else {
      buf.writeInt16BE(ins.off, at + 2);
      buf.writeInt32BE(ins.imm | 0, at + 4);
    }
  }
  return buf;
}

/**
 * Restricts device access in cgroup v2 directory `cgroupDir` to what `rules` allow (assembled by
 * {@link assembleDeviceFilter}, attached with BPF_F_ALLOW_MULTI). Needs CAP_SYS_ADMIN (and
 * CAP_BPF-capable kernels accept either); the program goes away with the cgroup.
 */
export function attachDeviceFilter(cgroupDir: string, rules: readonly DeviceRule[]): void {
  loadBinding().attachDeviceFilter(cgroupDir, assembleDeviceFilter(rules));
}
