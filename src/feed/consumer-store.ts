/** A named consumer of the change feed and its server-kept checkpoint. */
export interface Consumer {
  name: string;
  /** The seq of the last change it acknowledged (0 before the first). */
  cursor: number;
  createdAt: Date;
  ackedAt: Date | null;
  /** The API key the consumer is bound to (the first that used it); null until then. */
  ownerKeyId: string | null;
}

/** Consumer checkpoints. A consumer is created on first use. */
export interface ConsumerStore {
  getOrCreate(name: string, now: Date): Promise<Consumer>;
  list(): Promise<Consumer[]>;
  /**
   * The consumer, created on first use, bound to `ownerKeyId` when it is bound to no key yet (one conditional
   * update, so two keys racing for a new consumer cannot both own it). Returns it with its owner after that.
   */
  claim(name: string, ownerKeyId: string, now: Date): Promise<Consumer>;
  /**
   * Moves the checkpoint forward to `cursor`. Refuses (returns false) a cursor behind the checkpoint: going back
   * is a `rewind`, said on purpose.
   */
  ack(name: string, cursor: number, now: Date): Promise<boolean>;
  /** Sets the checkpoint to any cursor, backwards included. */
  rewind(name: string, cursor: number, now: Date): Promise<void>;
  remove(name: string): Promise<boolean>;
}
