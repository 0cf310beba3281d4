import { describe, expect, it } from '@jest/globals';

import { resolveUser } from './index.js';

const files: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nbad line\n',
  '/etc/group': 'root:x:0:\nwheel:x:10:app\naudio:x:29:app,root\nstaff:x:50:\n',
};
const readFile = (path: string) => files[path] ?? null;

describe('resolveUser', () => {
  it.each([
    ['', { uid: 0, gid: 0, additionalGids: [0, 29], home: '/root' }],
    ['app', { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29], home: '/home/app' }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29], home: '/home/app' }],
    ['app:staff', { uid: 1000, gid: 50, additionalGids: [50], home: '/home/app' }],
    ['app:77', { uid: 1000, gid: 77, additionalGids: [77], home: '/home/app' }],
    ['4242', { uid: 4242, gid: 0, additionalGids: [0], home: '/' }],
    ['4242:wheel', { uid: 4242, gid: 10, additionalGids: [10], home: '/' }],
    // docker's empty halves: no user is root, no group the user's own.
    [':10', { uid: 0, gid: 10, additionalGids: [10], home: '/root' }],
    [':staff', { uid: 0, gid: 50, additionalGids: [50], home: '/root' }],
    ['app:', { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29], home: '/home/app' }],
  ])('resolves %j', (user, expected) => {
    expect(resolveUser('/rootfs', user, { readFile })).toEqual(expected);
  });

  it('appends --group-add groups', () => {
    expect(
      resolveUser('/rootfs', 'app:staff', { readFile, groupAdd: ['wheel', '99'] }),
    ).toMatchObject({
      additionalGids: [50, 10, 99],
    });
  });

  it.each([
    ['nobody', 'ERR_IZA_NATIVE_USER_NOT_FOUND'],
    ['app:nogroup', 'ERR_IZA_NATIVE_GROUP_NOT_FOUND'],
    ['2147483648', 'ERR_IZA_NATIVE_INVALID_USER'],
  ])('rejects %j with %s', (user, code) => {
    expect(() => resolveUser('/rootfs', user, { readFile })).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
