import { createReadStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { FileConnectorConfig } from '../config/connector-schema';
import { AppError, isAppError } from '../core/app-error';
import type { Change } from '../feed/change-feed';
import { renderChange } from '../feed/feed-router';
import { AtomicFile, removeStaleTemps, syncDir } from './atomic-file';
import type { Connector, RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import { CsvWriter } from './csv-writer';

/** One entity's share of a run: its NDJSON temp file and the record fields seen, in first-seen order. */
interface EntityExport {
  ndjson: AtomicFile;
  fields: Set<string>;
  rows: number;
}

/** Cursors in file names are zero-padded so the files sort in feed order. */
const CURSOR_DIGITS = 12;

/**
 * Exports the change feed as files for ERP batch imports: per run, per entity, `<entity>.<from>-<to>.ndjson` and
 * `.csv`, where from..to is the run's cursor range (the checkpoint + 1 .. the new checkpoint), so the files of
 * successive runs tile the feed without gaps.
 * @remarks Every file is written under a temp name, fsynced and renamed; the checkpoint moves only after every file
 * of the run is in place. A run that fails removes the files it already renamed, so a failure leaves no final file
 * behind; a crash can leave temp files (removed by the next run) and, if it comes between two renames, complete
 * files of a range the next run exports again (at-least-once: the `cursor` column tells repeats).
 */
export class FileExportConnector implements Connector {
  readonly type = 'file';

  constructor(
    readonly name: string,
    private readonly config: FileConnectorConfig,
    private readonly feed: ConnectorFeed,
  ) {}

  async run(ctx: RunContext): Promise<RunResult> {
    await mkdir(this.config.dir, { recursive: true });
    const stale = await removeStaleTemps(this.config.dir, this.name);
    if (stale.length > 0) ctx.logger.info({ files: stale.length }, 'stale temp files removed');
    const start = await this.feed.checkpoint();
    ctx.progress.start(Math.max(0, Math.min((await this.feed.head()) - start, this.config.maxChangesPerRun)));
    const exports = new Map<string, EntityExport>();
    let through = start;
    let written = 0;
    try {
      for await (const page of this.feed.pages(start, this.config.pageSize, ctx.signal, this.config.maxChangesPerRun)) {
        for (const change of page.changes) await this.append(exports, change);
        written += page.changes.length;
        through = page.through;
        ctx.progress.update(through - start);
      }
      if (through > start) {
        const files = await this.place(exports, `${pad(start + 1)}-${pad(through)}`);
        await this.feed.ack(through);
        ctx.logger.info({ files, changes: written, checkpoint: through }, 'export files written');
      }
    } catch (err) {
      throw isAppError(err)
        ? err
        : new AppError('CONNECTOR_EXPORT_FAILED', `export to ${this.config.dir} failed: ${(err as Error).message}`);
    } finally {
      for (const e of exports.values()) await e.ndjson.discard();
      ctx.progress.stop();
    }
    return { delivered: written, checkpoint: through };
  }

  private async append(exports: Map<string, EntityExport>, change: Change): Promise<void> {
    let e = exports.get(change.entity);
    if (!e) {
      e = { ndjson: await AtomicFile.create(this.config.dir, this.name), fields: new Set(), rows: 0 };
      exports.set(change.entity, e);
    }
    for (const field of Object.keys(change.data)) e.fields.add(field);
    e.rows += 1;
    await e.ndjson.write(`${JSON.stringify(renderChange(change))}\n`);
  }

  /** Writes the CSV files from the NDJSON temp files, then renames every file into place; returns the final names. */
  private async place(exports: Map<string, EntityExport>, range: string): Promise<string[]> {
    const ready: { file: AtomicFile; name: string }[] = [];
    try {
      for (const [entity, e] of exports) {
        await e.ndjson.finish();
        const base = `${safeName(entity)}.${range}`;
        if (this.config.formats.includes('csv')) ready.push({ file: await this.csvFrom(e), name: `${base}.csv` });
        if (this.config.formats.includes('ndjson')) ready.push({ file: e.ndjson, name: `${base}.ndjson` });
      }
    } catch (err) {
      for (const r of ready) await r.file.discard();
      throw err;
    }
    const placed: string[] = [];
    try {
      for (const r of ready) placed.push(await r.file.commit(r.name));
      await syncDir(this.config.dir);
    } catch (err) {
      // All or nothing: a run that cannot place every file takes back the ones it placed.
      for (const path of placed) await unlink(path).catch(() => undefined);
      for (const r of ready) await r.file.discard();
      throw err;
    }
    return ready.map((r) => r.name);
  }

  private async csvFrom(e: EntityExport): Promise<AtomicFile> {
    const csv = await AtomicFile.create(this.config.dir, this.name);
    try {
      const writer = new CsvWriter([...e.fields]);
      await csv.write(writer.header());
      const lines = createInterface({ input: createReadStream(e.ndjson.tempPath, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line === '') continue;
        const c = JSON.parse(line) as ReturnType<typeof renderChange>;
        await csv.write(writer.row({ cursor: c.cursor, kind: c.kind, source: c.source, key: c.key, data: c.data }));
      }
      await csv.finish();
      return csv;
    } catch (err) {
      await csv.discard();
      throw err;
    }
  }
}

function pad(seq: number): string {
  return String(seq).padStart(CURSOR_DIGITS, '0');
}

/** Entity names come from mapping files; keep file names to letters, digits, - and _. */
function safeName(entity: string): string {
  return entity.replace(/[^A-Za-z0-9_-]/g, '_');
}
