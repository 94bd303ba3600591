import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to pass through every folder
 * above its binaries and above the data folder. A checkout under a mode-700 folder (`/root`, any
 * `mktemp -d`) is out of its reach, and initdb would fail with a bare EACCES. This finds the first such
 * folder, so the desk can say in one line what is wrong and what to do before starting anything.
 */
export async function unreachableFolder(
  owner: { uid: number; gid: number },
  target: string,
): Promise<{ folder: string; mode: number } | undefined> {
  const chain: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const folder of chain) {
    const st = await fs.stat(folder).catch(() => undefined);
    if (!st) return undefined; // not created yet: whatever is above it was checked already
    if (!st.isDirectory()) continue;
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return { folder, mode: st.mode & 0o777 };
  }
  return undefined;
}

/** The one line for an unreachable folder: what is wrong and the three ways out. */
export function unreachableMessage(what: string, u: { folder: string; mode: number }): string {
  return (
    `the embedded PostgreSQL runs as the "postgres" user (the desk was started as root), which cannot ` +
    `enter ${u.folder} (mode ${u.mode.toString(8)}) to reach ${what}: run the desk as a normal user, ` +
    `make the folders traversable (chmod o+x ${u.folder}), or set DATABASE_URL to your own PostgreSQL`
  );
}
