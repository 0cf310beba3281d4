import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { cgroupsUnder, newCgroups } from './harness/cgroups.js';
import { lines } from './harness/cli-output.js';
import { iza } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { fixture } from './harness/suite-state.js';

// `iza run` beyond the basics: pull on demand, cgroup limits (an OOM kill is reported, not
// just exit 137), no-image mode, --init, and a glibc userland from the debian fixture.

describe('iza run resource limits and modes', () => {
  let root: string;
  let cgroupsBefore: string[];
  const image = () => fixture('minimal:latest').ref;

  beforeAll(async () => {
    root = await makeIzaRoot('run-limits');
    cgroupsBefore = cgroupsUnder();
  });

  afterEach(() => {
    expect(mountsUnder(root)).toEqual([]);
    expect(newCgroups(cgroupsBefore)).toEqual([]);
  });

  afterAll(async () => {
    expect(await removeIzaRoot(root)).toEqual([]);
  });

  it('pulls a missing image first, with progress on stderr only', async () => {
    const result = await iza(['run', '--rm', image(), 'echo', 'ran'], { root });

    expect(result).toMatchObject({ exitCode: 0, stdout: 'ran' });
    expect(result.stderr).not.toBe('');
  });

  it('reports an OOM kill under --memory 50m and exits 137', async () => {
    // busybox dd allocates its whole 100 MB block: one allocating process, no respawn.
    const dd = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'];
    const result = await iza(['run', '--rm', '--memory', '50m', image(), ...dd], { root });

    expect(result.exitCode).toBe(137);
    expect(lines(result.stderr)).toContain('container killed: out of memory (limit 50MiB)');
  });

  it('runs the same allocation fine without a limit', async () => {
    const dd = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=100M', 'count=1'];
    const result = await iza(['run', '--rm', image(), ...dd], { root });
    expect(result.exitCode).toBe(0);
  });

  it('caps the number of processes with --pids-limit', async () => {
    const script = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 & done; wait';
    const result = await iza(['run', '--rm', '--pids-limit', '5', image(), 'sh', '-c', script], {
      root,
    });
    expect(result.stderr).toMatch(/can't fork|resource temporarily unavailable/i);
  });

  it('runs a host binary with no image (first argument an absolute path)', async () => {
    const result = await iza(['run', '--rm', '/bin/sh', '-c', 'echo hi'], { root });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hi' });
  });

  it('reaps orphans with --init and still passes the status through', async () => {
    const result = await iza(
      ['run', '--rm', '--init', image(), 'sh', '-c', '(sleep 1 &) ; exit 5'],
      {
        root,
      },
    );
    expect(result.exitCode).toBe(5);
  });
});

describe('iza run with a glibc userland (debian:bookworm)', () => {
  let root: string;

  beforeAll(async () => {
    root = await makeIzaRoot('run-debian');
    const pull = await iza(['pull', '-q', fixture('debian:bookworm').ref], { root });
    expect(pull).toMatchObject({ exitCode: 0 });
  });

  afterAll(async () => {
    expect(await removeIzaRoot(root)).toEqual([]);
  });

  it('runs dynamically linked programs from the image (bash, dpkg)', async () => {
    const ref = fixture('debian:bookworm').ref;
    const script = "cat /etc/iza-e2e-release && dpkg-query -W -f='${Package}\\n' bash";
    const result = await iza(['run', '--rm', ref, 'bash', '-c', script], { root });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'debian bookworm minbase\nbash' });
  });

  it("runs threads and child processes under docker's default seccomp (clone3 falls back)", async () => {
    // sort --parallel starts pthreads: glibc tries clone3 first, which the profile answers
    // with ENOSYS so that glibc falls back to clone, whose flags the filter can check.
    const ref = fixture('debian:bookworm').ref;
    const script =
      'grep ^Seccomp: /proc/self/status; seq 200000 | sort -n -r --parallel=2 -S 2M | head -1; ' +
      'dpkg-query -W bash >/dev/null && echo dpkg ok';
    const result = await iza(['run', '--rm', ref, 'bash', '-c', script], { root });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'Seccomp:\t2\n200000\ndpkg ok' });
  });

  it('applies the whiteouts of a deleted directory tree', async () => {
    const ref = fixture('debian:bookworm').ref;
    const result = await iza(['run', '--rm', ref, 'ls', '/usr/share/doc'], { root });
    expect(result.exitCode).toBe(2);
  });
});
