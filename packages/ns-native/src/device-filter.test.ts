import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { assembleDeviceFilter, attachDeviceFilter, type DeviceRule } from './device-filter.js';

type Request = { type: 'c' | 'b'; major: number; minor: number; access: 'r' | 'w' | 'm' };

/**
 * Runs an assembled program on one request: an interpreter of exactly the instructions
 * assembleDeviceFilter emits (any other opcode fails the test), so the rules' meaning is checked
 * without a kernel.
 */
function verdict(program: Buffer, req: Request): number {
  const bit = { m: 1, r: 2, w: 4 }[req.access];
  const ctx = [(bit << 16) | (req.type === 'b' ? 1 : 2), req.major, req.minor];
  const r = new Array<number>(11).fill(0);
  r[1] = -1; // the context pointer: only loads through it are allowed
  for (let pc = 0; pc < program.length / 8;) {
    const at = pc * 8;
    const code = program.readUInt8(at);
    const dst = program.readUInt8(at + 1) & 0xf;
    const src = program.readUInt8(at + 1) >> 4;
    const off = program.readInt16LE(at + 2);
    const imm = program.readInt32LE(at + 4);
    pc++;
    switch (code) {
      case 0x61:
        expect(r[src]).toBe(-1);
        r[dst] = ctx[off / 4] as number;
        break;
      case 0x54:
        r[dst] = ((r[dst] as number) & imm) >>> 0;
        break;
      case 0x74:
        r[dst] = (r[dst] as number) >>> imm;
        break;
      case 0xbc:
        r[dst] = r[src] as number;
        break;
      case 0xb7:
        r[dst] = imm;
        break;
      case 0x55:
        if (r[dst] !== imm) pc += off;
        break;
      case 0x95:
        return r[0] as number;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)}`);
    }
  }
  throw new Error('program ran off its end');
}

const c = (major: number, minor: number, access: Request['access']): Request => ({
  type: 'c',
  major,
  minor,
  access,
});

// runc's default list after podman's deny-all: the shape every container gets.
const DOCKER_LIKE: DeviceRule[] = [
  { allow: false, type: 'a', access: 'rwm' },
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' },
];

describe('assembleDeviceFilter', () => {
  it('allows what a rule allows and denies everything else after a deny-all', () => {
    const p = assembleDeviceFilter(DOCKER_LIKE);
    expect(verdict(p, c(1, 3, 'w'))).toBe(1);
    expect(verdict(p, c(1, 5, 'r'))).toBe(1);
    expect(verdict(p, c(136, 7, 'r'))).toBe(1);
    expect(verdict(p, c(1, 4, 'r'))).toBe(0);
    expect(verdict(p, c(10, 229, 'r'))).toBe(0);
    expect(verdict(p, { type: 'b', major: 7, minor: 0, access: 'r' })).toBe(0);
  });

  it('checks the access asked against the rule: mknod of any node, no read of it', () => {
    const p = assembleDeviceFilter(DOCKER_LIKE);
    expect(verdict(p, c(10, 229, 'm'))).toBe(1);
    expect(verdict(p, { type: 'b', major: 254, minor: 0, access: 'm' })).toBe(1);
    expect(verdict(p, { type: 'b', major: 254, minor: 0, access: 'w' })).toBe(0);
  });

  it('lets the last matching rule win, as writes to devices.allow/deny do in v1', () => {
    const p = assembleDeviceFilter([
      { allow: false, type: 'a' },
      { allow: true, type: 'c', major: 1, minor: null, access: 'rw' },
      { allow: false, type: 'c', major: 1, minor: 9, access: 'rwm' },
    ]);
    expect(verdict(p, c(1, 8, 'r'))).toBe(1);
    expect(verdict(p, c(1, 9, 'r'))).toBe(0);
    expect(verdict(p, c(1, 8, 'm'))).toBe(0);
  });

  it('ends at the last `a` rule: an allow-all after denies allows everything', () => {
    const p = assembleDeviceFilter([
      { allow: false, type: 'c', major: 1, minor: 3 },
      { allow: true, type: 'a' },
    ]);
    expect(verdict(p, c(1, 3, 'r'))).toBe(1);
    // Six loads, then one verdict: the rule before the `a` is not in the program.
    expect(p.length / 8).toBe(8);
  });

  it("allows what no rule decides when there is no `a` rule (a v1 cgroup's parent default)", () => {
    const p = assembleDeviceFilter([{ allow: false, type: 'b', major: 8, minor: null }]);
    expect(verdict(p, { type: 'b', major: 8, minor: 1, access: 'r' })).toBe(0);
    expect(verdict(p, c(1, 3, 'r'))).toBe(1);
  });

  it('refuses an access letter that is not r, w or m', () => {
    expect(() => assembleDeviceFilter([{ allow: true, type: 'c', access: 'rx' }])).toThrow(
      /only r, w and m/,
    );
  });
});

/** A cgroup v2 directory this test may create below, or why there is none. */
function cgroup2Mount(): string | undefined {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  for (const line of lines) {
    const [left, right] = line.split(' - ');
    if (right?.startsWith('cgroup2 ')) return left?.split(' ')[4];
  }
  return undefined;
}

const mount = process.getuid?.() === 0 ? cgroup2Mount() : undefined;
// Not root, or no cgroup2 mount: attaching a program needs both (the CI machine has both).
const withKernel = mount === undefined ? describe.skip : describe;

withKernel('attachDeviceFilter on a cgroup v2 directory (root, cgroup2 mount)', () => {
  it('the kernel enforces the rules for a process in the cgroup, and the cgroup goes', () => {
    const dir = join(mount as string, `iza-devfilter-test-${process.pid}`);
    mkdirSync(dir);
    try {
      attachDeviceFilter(dir, [
        { allow: false, type: 'a' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 5, access: 'r' },
      ]);
      // The shell moves itself in, then tries each device; its own output is on a pipe.
      const out = execFileSync('/bin/sh', [
        '-c',
        `echo $$ > ${dir}/cgroup.procs
         echo x > /dev/null && echo null-write
         head -c1 /dev/zero > /dev/null && echo zero-read
         { echo x > /dev/zero; } 2>/dev/null || echo zero-write-denied
         { head -c1 /dev/urandom > /dev/null; } 2>/dev/null || echo urandom-denied`,
      ]).toString();
      expect(out.split('\n').filter(Boolean)).toEqual([
        'null-write',
        'zero-read',
        'zero-write-denied',
        'urandom-denied',
      ]);
    } finally {
      rmdirSync(dir);
    }
    expect(existsSync(dir)).toBe(false);
  });
});
