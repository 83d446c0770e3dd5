import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes gathered before one write to the file. */
const FLUSH_BYTES = 1 << 20;

/**
 * A file that appears under its final name only when complete: written to a temp file in the same folder, fsynced,
 * closed, then renamed (atomic on one file system). A crash leaves at most a temp file, never a partial final file.
 * @remarks Temp names carry the owner and process id (`.<owner>.<pid>.<random>.tmp`) so `removeStaleTemps` can
 * tell an abandoned temp file from one another live process is still writing.
 * @example const f = await AtomicFile.create(dir, 'erp'); await f.write('...'); await f.commit('invoice.1-9.csv');
 */
export class AtomicFile {
  private pending: string[] = [];
  private pendingBytes = 0;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(dir: string, owner: string): Promise<AtomicFile> {
    const tempPath = join(dir, `.${owner}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    return new AtomicFile(dir, tempPath, await open(tempPath, 'wx'));
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  /** Writes what is buffered, fsyncs and closes; the content stays under the temp name. */
  async finish(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    this.closed = true;
  }

  /** Finishes the file and renames it to `finalName` in the same folder; returns the final path. */
  async commit(finalName: string): Promise<string> {
    await this.finish();
    const finalPath = join(this.dir, finalName);
    await rename(this.tempPath, finalPath);
    return finalPath;
  }

  /** Drops the temp file (after a failure, or when its content is not wanted under a final name). */
  async discard(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await unlink(this.tempPath).catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    await this.handle.write(chunk);
  }
}

/** Makes renames in `dir` durable (POSIX: the rename is in the folder's entry, fsynced separately). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms and file systems cannot fsync a folder; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

/**
 * Removes temp files of `owner` left by processes that are gone, or by this process (whose runs of one owner never
 * overlap, so its own are left from an earlier failed run); returns their names.
 */
export async function removeStaleTemps(dir: string, owner: string): Promise<string[]> {
  const prefix = `.${owner}.`;
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
