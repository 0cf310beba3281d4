// Where each cold pull writes, so that one pull's clean-up does not slow the next one down.
//
// On ext4 without a journal (these machines' root filesystem), inode allocation skips inodes
// freed in the last 60 s (300 s while their inode table block is dirty) and walks past each of
// them on every allocation (fs/ext4/ialloc.c, recently_deleted()). Files go to their parent
// directory's block group, so a pull into a directory whose group just lost the previous pull's
// 10,000 files pays about 0.5 ms per new file in the kernel, whatever the tool: the benchmark
// then measures the previous tool's `rm -rf`. The Orlov allocator spreads the children of a
// directory flagged "top of hierarchy" (chattr +T) over block groups by a hash of their name, so
// every pull gets a new name under such a directory and lands in a group nobody emptied lately.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { probe } from './proc.mjs';

/**
 * Makes `parent/p` (flagged +T where the filesystem has the flag) and returns `{ dir, spread,
 * next(tool) }`: `next` makes a new directory below it for one pull; `spread` says whether the
 * flag took (false on filesystems without it: pulls are then placed as any directory would be).
 */
export function freshDirs(parent) {
  // Short: podman refuses a runroot path over 50 characters.
  const dir = join(parent, 'p');
  mkdirSync(dir, { recursive: true });
  const spread = probe('chattr', ['+T', dir]).ok;
  let n = 0;
  const next = (tool) => {
    const d = join(dir, `${tool}-${++n}`);
    mkdirSync(d);
    return d;
  };
  return { dir, spread, next };
}

/** Flushes dirty data and metadata (sync(1)) so that no pull pays for the write-back of another. */
export function settle() {
  probe('sync', []);
}
