import { EventEmitter } from 'node:events';

/**
 * Tells long-polling readers that changes were committed. In one process the worker calls `notify()` after each
 * commit that appended changes; readers also re-check the database every `pollMs`, so a worker in another process
 * (or another instance) is seen too, just a little later.
 */
export class ChangeNotifier {
  private readonly emitter = new EventEmitter();

  constructor(readonly pollMs = 250) {
    this.emitter.setMaxListeners(0);
  }

  notify(): void {
    this.emitter.emit('change');
  }

  /** Resolves on the next notify, after pollMs, or when `signal` aborts, whichever comes first. */
  wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off('change', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.emitter.once('change', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
