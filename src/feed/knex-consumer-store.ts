import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { Consumer, ConsumerStore } from './consumer-store';

interface DbConsumerRow {
  name: string;
  cursor: number | string;
  created_at: Date | string;
  acked_at: Date | string | null;
  owner_key_id: string | null;
}

/** ConsumerStore on knex. */
export class KnexConsumerStore implements ConsumerStore {
  constructor(private readonly db: Knex) {}

  async getOrCreate(name: string, now: Date): Promise<Consumer> {
    await this.db('consumers').insert({ name, cursor: 0, created_at: now.toISOString() }).onConflict('name').ignore();
    const row = (await this.db<DbConsumerRow>('consumers').where({ name }).first()) as DbConsumerRow;
    return toConsumer(row);
  }

  async claim(name: string, ownerKeyId: string, now: Date): Promise<Consumer> {
    await this.db('consumers')
      .insert({ name, cursor: 0, created_at: now.toISOString(), owner_key_id: ownerKeyId })
      .onConflict('name')
      .ignore();
    await this.db('consumers').where({ name }).whereNull('owner_key_id').update({ owner_key_id: ownerKeyId });
    return toConsumer((await this.db<DbConsumerRow>('consumers').where({ name }).first()) as DbConsumerRow);
  }

  async list(): Promise<Consumer[]> {
    return ((await this.db<DbConsumerRow>('consumers').orderBy('name')) as DbConsumerRow[]).map(toConsumer);
  }

  async ack(name: string, cursor: number, now: Date): Promise<boolean> {
    await this.getOrCreate(name, now);
    const n = await this.db('consumers').where({ name }).andWhere('cursor', '<=', cursor).update({ cursor, acked_at: now.toISOString() });
    return n > 0;
  }

  async rewind(name: string, cursor: number, now: Date): Promise<void> {
    await this.getOrCreate(name, now);
    await this.db('consumers').where({ name }).update({ cursor, acked_at: now.toISOString() });
  }

  async remove(name: string): Promise<boolean> {
    return (await this.db('consumers').where({ name }).delete()) > 0;
  }
}

function toConsumer(r: DbConsumerRow): Consumer {
  return {
    name: r.name,
    cursor: asNumber(r.cursor),
    createdAt: asDate(r.created_at),
    ackedAt: r.acked_at === null ? null : asDate(r.acked_at),
    ownerKeyId: r.owner_key_id ?? null,
  };
}
