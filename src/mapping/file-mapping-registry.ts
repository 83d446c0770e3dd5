import { watch, type FSWatcher } from 'node:fs';
import { AppError } from '../core/app-error';
import type { Logger } from '../core/logger';
import { formatProblem, loadMappingsSync } from './load-mappings';
import type { CompiledMapping, MappingLoadProblem, MappingRegistry } from './mapping-types';

/** Thrown at start when any mapping file is broken; the service must not run on a half-loaded set. */
export class MappingLoadError extends AppError {
  constructor(readonly problems: MappingLoadProblem[]) {
    super('MAPPING_INVALID_FILE', `invalid mapping files:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`, {
      problems,
    });
  }
}

/**
 * The mappings of one folder, by resource type, with optional hot reload.
 *
 * @remarks Swaps are atomic: a reload builds a whole new table and replaces the old one in one assignment, so a
 * caller never sees half of an edit. On reload each file is judged alone: a valid edit replaces that file's
 * mapping, a broken one leaves its previous mapping in place and logs an error. A deleted file's mapping goes.
 */
export class FileMappingRegistry implements MappingRegistry {
  private byType = new Map<string, CompiledMapping>();
  private byFile = new Map<string, CompiledMapping>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly reloadListeners = new Set<(mappings: CompiledMapping[]) => void>();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads every mapping of `dir`.
   * @throws MappingLoadError listing every problem when any file is broken.
   */
  static open(dir: string, logger: Logger): FileMappingRegistry {
    const { mappings, problems } = loadMappingsSync(dir);
    if (problems.length > 0) throw new MappingLoadError(problems);
    const registry = new FileMappingRegistry(dir, logger);
    registry.install(mappings);
    logger.info({ dir, mappings: mappings.map((m) => ({ file: m.file, version: m.version })) }, 'mappings loaded');
    return registry;
  }

  forResourceType(type: string): CompiledMapping | undefined {
    return this.byType.get(type);
  }

  all(): CompiledMapping[] {
    return [...this.byFile.values()];
  }

  /** Watches the folder and reloads `debounceMs` after the last change (editors write files in several steps). */
  watch(debounceMs = 200): void {
    if (this.watcher) return;
    this.watcher = watch(this.dir, () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.reload(), debounceMs);
    });
    this.watcher.on('error', (err) => this.logger.error({ err, dir: this.dir }, 'mappings watcher failed'));
    this.logger.info({ dir: this.dir }, 'mappings hot reload on');
  }

  /**
   * Calls `listener` with the installed mappings after each reload that swapped, added or removed a mapping (not
   * after one that changed nothing), so what is derived from the mappings (SQL views) can follow. Returns an
   * unsubscribe function. A listener that throws is logged and does not stop the others.
   */
  onReload(listener: (mappings: CompiledMapping[]) => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  /** Reloads the folder now; what the watcher runs. Returns the problems that kept old mappings in place. */
  reload(): MappingLoadProblem[] {
    const before = this.byFile;
    const { files } = loadMappingsSync(this.dir);
    const next = new Map<string, CompiledMapping>();
    const problems: MappingLoadProblem[] = [];
    for (const f of files) {
      if (f.mapping) next.set(f.file, f.mapping);
      else {
        problems.push(...f.problems);
        const previous = this.byFile.get(f.file);
        if (previous) next.set(f.file, previous);
      }
    }
    const installed = this.install([...next.values()], problems);
    for (const p of problems)
      this.logger.error({ file: p.file, line: p.line, problem: p.message }, 'mapping not reloaded; previous version kept');
    let swapped = installed.length !== before.size;
    for (const m of installed) {
      const previous = before.get(m.file)?.version;
      if (previous !== m.version) {
        swapped = true;
        this.logger.info({ file: m.file, version: m.version, previous }, 'mapping reloaded');
      }
    }
    if (swapped) this.notifyReloaded(installed);
    return problems;
  }

  /** Stops watching. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private notifyReloaded(installed: CompiledMapping[]): void {
    for (const listener of this.reloadListeners) {
      try {
        listener(installed);
      } catch (err) {
        this.logger.error({ err }, 'mapping reload listener failed');
      }
    }
  }

  /** Builds the new tables and swaps them in; a mapping whose type another file already claims keeps out. */
  private install(mappings: CompiledMapping[], problems: MappingLoadProblem[] = []): CompiledMapping[] {
    const byType = new Map<string, CompiledMapping>();
    const byFile = new Map<string, CompiledMapping>();
    for (const m of mappings) {
      const taken = m.resourceTypes.find((t) => byType.has(t));
      if (taken) {
        problems.push({ file: m.file, line: 0, message: `resource type ${taken} is already mapped by ${byType.get(taken)?.file}` });
        continue;
      }
      for (const t of m.resourceTypes) byType.set(t, m);
      byFile.set(m.file, m);
    }
    this.byType = byType;
    this.byFile = byFile;
    return [...byFile.values()];
  }
}
