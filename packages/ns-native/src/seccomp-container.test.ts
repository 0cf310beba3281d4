import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { defaultCapabilityNames } from './capabilities.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { runInContainer } from './test-support/run.js';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('seccomp in a container (needs root)', () => {
  let rootfs: TestRootfs;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
  });
  afterAll(() => rootfs.remove());

  it('loads the filter before exec: /proc/self/status shows mode 2', async () => {
    const r = await runInContainer(rootfs.dir, 'grep ^Seccomp /proc/self/status', {
      seccomp: defaultSeccompProfile(),
    });
    expect(r.stdout).toBe('Seccomp:\t2\nSeccomp_filters:\t1\n');
    const none = await runInContainer(rootfs.dir, 'grep ^Seccomp: /proc/self/status');
    expect(none.stdout).toBe('Seccomp:\t0\n');
  });

  it('returns the errno a rule names, only when its argument comparison holds', async () => {
    // chmod(2) takes the mode in argument 1, fchmodat(2) in argument 2; busybox may use either.
    const mode700 = (index: number) => [{ index, value: 0o700, op: 'SCMP_CMP_EQ' as const }];
    const r = await runInContainer(
      rootfs.dir,
      'touch /a /b; chmod 755 /a && echo 755 ok; chmod 700 /b || echo 700 refused',
      {
        seccomp: {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [
            { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 30, args: mode700(1) },
            { names: ['fchmodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 30, args: mode700(2) },
          ],
        },
      },
    );
    expect(r.stdout).toBe('755 ok\n700 refused\n');
    expect(r.stderr).toMatch(/\/b: Read-only file system/);
  });

  it('refuses what the profile leaves out even when a capability would allow it', async () => {
    // CAP_SYS_ADMIN is granted but the profile is the one for docker's default set: unshare(2)
    // is then stopped by the filter, not by the capability check.
    const caps = [...defaultCapabilityNames(), 'CAP_SYS_ADMIN'];
    const sets = { bounding: caps, effective: caps, permitted: caps };
    const script = 'unshare -u sh -c "hostname changed && hostname"; echo status $?';
    const filtered = await runInContainer(rootfs.dir, script, {
      capabilities: sets,
      seccomp: defaultSeccompProfile(),
    });
    expect(filtered.stderr).toMatch(/Operation not permitted/);
    expect(filtered.stdout).toBe('status 1\n');

    const open = await runInContainer(rootfs.dir, script, { capabilities: sets });
    expect(open.stdout).toBe('changed\nstatus 0\n');
  });

  it('keeps the container usable under the default profile (fork, pipes, sockets, files)', async () => {
    const r = await runInContainer(
      rootfs.dir,
      'mkdir /d && echo hi > /d/f && cat /d/f | wc -c; (sleep 0; echo child) & wait; ps -o pid= | wc -l; ' +
        'nc -l -p 7000 -e echo pong & sleep 0.2; nc 127.0.0.1 7000 </dev/null; wait',
      { seccomp: defaultSeccompProfile() },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('3\nchild\n3\npong\n');
    expect(r.exit.status).toBe(0);
  });

  it('names the setup step a profile blocks', async () => {
    // Without no_new_privs the filter is loaded while iza still holds CAP_SYS_ADMIN, before it
    // changes identity, so a profile must allow setgroups & co. (as with runc); this one does
    // not, and the error names the step instead of failing somewhere later.
    const err = await runInContainer(rootfs.dir, 'true', {
      seccomp: {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['setgroups'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ stage: 'setgroups', code: 'EPERM' });
  });

  it('runs under a profile that leaves out close_range, which iza itself calls', async () => {
    // runtime-tools' default profile predates close_range(2): iza marks its fds close-on-exec
    // before the filter is loaded, so the container still starts.
    const r = await runInContainer(rootfs.dir, 'echo started', {
      seccomp: {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      },
    });
    expect(r.stdout).toBe('started\n');
    expect(r.exit.status).toBe(0);
  });
});
