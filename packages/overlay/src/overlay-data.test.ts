import { describe, it, expect } from '@jest/globals';
import { buildOverlayData, isPlainOverlayPath } from './overlay-data.js';
import { parseMountinfo } from './mountinfo.js';
import { splitDevice } from './copy-entry.js';

describe('buildOverlayData', () => {
  it('lists lowers top to bottom, after the options and before upper and work', () => {
    const data = buildOverlayData({
      lowers: ['/l/bottom', '/l/middle', '/l/top'],
      upper: '/c/upper',
      work: '/c/work',
      options: ['index=off'],
    });

    expect(data).toBe(
      'index=off,lowerdir=/l/top:/l/middle:/l/bottom,upperdir=/c/upper,workdir=/c/work',
    );
  });

  it('leaves out upper and work for a read-only mount', () => {
    expect(buildOverlayData({ lowers: ['/a', '/b'], options: [] })).toBe('lowerdir=/b:/a');
  });
});

describe('isPlainOverlayPath', () => {
  it.each([
    ['/var/lib/iza/layers/abc', true],
    ['/tmp/a,b', false],
    ['/tmp/a:b', false],
    ['/tmp/a\\b', false],
  ])('%s → %s', (path, plain) => {
    expect(isPlainOverlayPath(path)).toBe(plain);
  });
});

describe('parseMountinfo', () => {
  it('reads mount point and type, unescaping octal escapes', () => {
    const text =
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n' +
      '48 27 0:40 / /tmp/a\\040b/merged rw,relatime shared:5 - overlay overlay rw,lowerdir=/x\n';

    expect(parseMountinfo(text)).toEqual([
      { mountPoint: '/sys/fs/cgroup/unified', fsType: 'cgroup2', options: 'rw' },
      { mountPoint: '/tmp/a b/merged', fsType: 'overlay', options: 'rw,lowerdir=/x' },
    ]);
  });
});

describe('splitDevice', () => {
  it.each([
    [0, 0, 0],
    [0x0103, 1, 3],
    [(136 << 8) | 5, 136, 5],
    [0x12345678, 0x456, 0x12378],
  ])('rdev %d is %d:%d', (rdev, major, minor) => {
    expect(splitDevice(rdev)).toEqual({ major, minor });
  });
});
