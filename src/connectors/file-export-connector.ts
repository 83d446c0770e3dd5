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
import type { CsvLayoutStore } from './csv-layout-store';
import { CsvWriter } from './csv-writer';
import type { RecordShapes } from './record-shapes';
import type { RefusalPolicy } from './refusal-policy';

/** One entity's share of a run: its NDJSON temp file, and the record fields seen (for entities no mapping declares). */
interface EntityExport {
  entity: string;
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
 * CSV columns are the declared fields of the entity's (output, else inbound) mapping in the file's order, so every
 * file of an entity has the same header; a run whose columns differ from the last file's logs `csv columns
 * changed` and writes the new header. A record the output mapping refuses is parked, not exported.
 */
export class FileExportConnector implements Connector {
  readonly type = 'file';

  constructor(
    readonly name: string,
    private readonly config: FileConnectorConfig,
    private readonly feed: ConnectorFeed,
    private readonly shapes: RecordShapes,
    private readonly layouts: CsvLayoutStore,
    private readonly refusals: RefusalPolicy,
  ) {}

  async preview(change: Change): Promise<Record<string, unknown> | null> {
    if (this.config.entities.length > 0 && !this.config.entities.includes(change.entity)) return null;
    const data = await this.shapes.shape(change);
    const writer = new CsvWriter(this.fieldsOf(change.entity, new Set(Object.keys(data))));
    const row = { cursor: String(change.seq), kind: change.kind, source: change.source, key: change.key, data };
    const cells = writer.cells(row);
    return { csv: Object.fromEntries(writer.columns().map((col, i) => [col, cells[i]])), ndjson: { ...renderChange(change), data } };
  }

  async run(ctx: RunContext): Promise<RunResult> {
    await mkdir(this.config.dir, { recursive: true });
    const stale = await removeStaleTemps(this.config.dir, this.name);
    if (stale.length > 0) ctx.logger.info({ files: stale.length }, 'stale temp files removed');
    const start = await this.feed.checkpoint();
    ctx.progress.start(Math.max(0, Math.min((await this.feed.head()) - start, this.config.maxChangesPerRun)));
    await this.refusals.begin();
    const exports = new Map<string, EntityExport>();
    let through = start;
    let written = 0;
    try {
      for await (const page of this.feed.pages(start, this.config.pageSize, ctx.signal, this.config.maxChangesPerRun)) {
        for (const change of page.changes) {
          try {
            await this.append(exports, change, await this.shapes.shape(change));
            written += 1;
          } catch (err) {
            await this.refusals.refused(change, err, ctx.logger);
          }
        }
        through = page.through;
        ctx.progress.update(through - start);
      }
      if (through > start) {
        const files = await this.place(exports, `${pad(start + 1)}-${pad(through)}`, ctx);
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

  private async append(exports: Map<string, EntityExport>, change: Change, data: Record<string, unknown>): Promise<void> {
    let e = exports.get(change.entity);
    if (!e) {
      e = { entity: change.entity, ndjson: await AtomicFile.create(this.config.dir, this.name), fields: new Set(), rows: 0 };
      exports.set(change.entity, e);
    }
    for (const field of Object.keys(data)) e.fields.add(field);
    e.rows += 1;
    await e.ndjson.write(`${JSON.stringify({ ...renderChange(change), data })}\n`);
  }

  /**
   * The CSV fields of an entity: its mapping's declared fields, in the file's order. An entity no mapping declares
   * (a mapping removed since) falls back to the fields seen in this run, sorted, so at least the order is stable.
   */
  private fieldsOf(entity: string, seen: Set<string>): string[] {
    return this.shapes.columns(entity)?.map((c) => c.name) ?? [...seen].sort();
  }

  /** Compares the columns with the last file's of the entity; a change is logged and remembered. */
  private async checkLayout(entity: string, columns: string[], ctx: RunContext): Promise<void> {
    const before = await this.layouts.get(this.name, entity);
    if (before && before.join('\u0000') === columns.join('\u0000')) return;
    if (before) {
      const added = columns.filter((c) => !before.includes(c));
      const removed = before.filter((c) => !columns.includes(c));
      ctx.logger.warn({ entity, added, removed, columns }, 'csv columns changed; the new file starts with the new header');
    }
    await this.layouts.save(this.name, entity, columns, new Date());
  }

  /** Writes the CSV files from the NDJSON temp files, then renames every file into place; returns the final names. */
  private async place(exports: Map<string, EntityExport>, range: string, ctx: RunContext): Promise<string[]> {
    const ready: { file: AtomicFile; name: string }[] = [];
    const layouts: Array<[string, string[]]> = [];
    try {
      for (const [entity, e] of exports) {
        await e.ndjson.finish();
        const base = `${safeName(entity)}.${range}`;
        if (this.config.formats.includes('csv')) {
          const writer = new CsvWriter(this.fieldsOf(entity, e.fields));
          ready.push({ file: await this.csvFrom(e, writer), name: `${base}.csv` });
          layouts.push([entity, writer.columns()]);
        }
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
      for (const [entity, columns] of layouts) await this.checkLayout(entity, columns, ctx);
    } catch (err) {
      // All or nothing: a run that cannot place every file takes back the ones it placed.
      for (const path of placed) await unlink(path).catch(() => undefined);
      for (const r of ready) await r.file.discard();
      throw err;
    }
    return ready.map((r) => r.name);
  }

  private async csvFrom(e: EntityExport, writer: CsvWriter): Promise<AtomicFile> {
    const csv = await AtomicFile.create(this.config.dir, this.name);
    try {
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
