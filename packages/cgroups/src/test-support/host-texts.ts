/** The cgroup lines of /proc/self/mountinfo on this project's machines (HOST.md). */
export const HYBRID_MOUNTINFO = `23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

export const HYBRID_PROC_CGROUP = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/6a2d987d515270faaeb3e2112e9a91c8
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;

/** A pure v2 systemd host, iza started from a login session. */
export const V2_MOUNTINFO = `27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
export const V2_PROC_CGROUP = '0::/user.slice/user-1000.slice/session-1.scope\n';

/** Older v1 distribution: cpu and cpuacct co-mounted, systemd named hierarchy. */
export const V1_MOUNTINFO = `25 18 0:22 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
28 18 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
29 18 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
30 18 0:27 / /sys/fs/cgroup/pids ro,nosuid - cgroup cgroup rw,pids
`;
export const V1_PROC_CGROUP = `4:pids:/system.slice/sshd.service
3:memory:/system.slice/sshd.service
2:cpu,cpuacct:/system.slice/sshd.service
1:name=systemd:/system.slice/sshd.service
`;
