/** A named consumer of the change feed and its server-kept checkpoint. */
export interface Consumer {
  name: string;
  /** The seq of the last change it acknowledged (0 before the first). */
  cursor: number;
  createdAt: Date;
  ackedAt: Date | null;
}

/** Consumer checkpoints. A consumer is created on first use. */
export interface ConsumerStore {
  getOrCreate(name: string, now: Date): Promise<Consumer>;
  list(): Promise<Consumer[]>;
  /**
   * Moves the checkpoint forward to `cursor`. Refuses (returns false) a cursor behind the checkpoint: going back
   * is a `rewind`, said on purpose.
   */
  ack(name: string, cursor: number, now: Date): Promise<boolean>;
  /** Sets the checkpoint to any cursor, backwards included. */
  rewind(name: string, cursor: number, now: Date): Promise<void>;
  remove(name: string): Promise<boolean>;
}
