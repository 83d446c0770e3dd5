import type { AdminAuditStore } from '../admin/admin-audit-store';
import type { AdminReadStore } from '../admin/admin-read-store';
import { KnexAdminAuditStore } from '../admin/knex-admin-audit-store';
import { KnexAdminReadStore } from '../admin/knex-admin-read-store';
import type { BackfillCheckpointStore } from '../backfill/backfill-checkpoint-store';
import { KnexBackfillCheckpointStore } from '../backfill/knex-backfill-checkpoint-store';
import type { ApiKeyStore } from '../auth/api-key-store';
import { KnexApiKeyStore } from '../auth/knex-api-key-store';
import type { ConsoleSessionStore } from '../auth/console-session-store';
import { KnexConsoleSessionStore } from '../auth/knex-console-session-store';
import { KnexOauthClientStore } from '../auth/knex-oauth-client-store';
import { KnexOauthTokenStore } from '../auth/knex-oauth-token-store';
import { KnexOauthUserStore } from '../auth/knex-oauth-user-store';
import type { OauthClientStore } from '../auth/oauth-client-store';
import type { OauthTokenStore } from '../auth/oauth-token-store';
import type { OauthUserStore } from '../auth/oauth-user-store';
import type { ConnectorFailureStore } from '../connectors/connector-failure-store';
import { KnexConnectorFailureStore } from '../connectors/knex-connector-failure-store';
import type { CsvLayoutStore } from '../connectors/csv-layout-store';
import { KnexCsvLayoutStore } from '../connectors/knex-csv-layout-store';
import type { Knex } from '../db/create-knex';
import type { ChangeFeed } from '../feed/change-feed';
import type { ConsumerStore } from '../feed/consumer-store';
import { KnexChangeFeed } from '../feed/knex-change-feed';
import { KnexConsumerStore } from '../feed/knex-consumer-store';
import type { EventAdminStore } from '../inbox/event-admin-store';
import type { InboxQueue } from '../inbox/inbox-queue';
import type { InboxStore } from '../inbox/inbox-store';
import { KnexEventAdminStore } from '../inbox/knex-event-admin-store';
import { createInboxQueue, createInboxStore } from '../inbox/create-inbox-stores';
import type { JobLockStore } from '../jobs/job-lock-store';
import { KnexJobLockStore } from '../jobs/knex-job-lock-store';
import { KnexRetentionStore } from '../jobs/knex-retention-store';
import type { RetentionStore } from '../jobs/retention-store';
import type { EntityViewStore } from '../records/entity-view-store';
import { createEntityViewStore, createRecordStore, createRemapStore } from '../records/create-record-stores';
import { KnexRecordLinkStore } from '../records/knex-record-link-store';
import type { RecordLinkStore } from '../records/record-link-store';
import type { RecordStore } from '../records/record-store';
import type { RemapStore } from '../records/remap-store';

/** What the stores take besides the database. */
export interface StoreOptions {
  /** How long an intake commit may wait for a SQLite lock (the request's deadline less a margin). */
  intakeLockWaitMs?: number;
}

/**
 * Every store on one database, each built on first use and then kept: the one place that says which implementation
 * of a store the service runs on (one line per store), so a command that lists events builds no other store.
 *
 * @remarks Stores hold no state beyond the database handle, so one instance of each serves every service.
 */
export class Stores {
  private readonly built = new Map<string, unknown>();

  constructor(
    private readonly db: Knex,
    private readonly options: StoreOptions = {},
  ) {}

  get inbox(): InboxStore {
    return this.once('inbox', () => createInboxStore(this.db, { lockWaitMs: this.options.intakeLockWaitMs }));
  }
  get inboxQueue(): InboxQueue {
    return this.once('inboxQueue', () => createInboxQueue(this.db));
  }
  get eventAdmin(): EventAdminStore {
    return this.once('eventAdmin', () => new KnexEventAdminStore(this.db));
  }
  get records(): RecordStore {
    return this.once('records', () => createRecordStore(this.db));
  }
  get recordLinks(): RecordLinkStore {
    return this.once('recordLinks', () => new KnexRecordLinkStore(this.db));
  }
  get remap(): RemapStore {
    return this.once('remap', () => createRemapStore(this.db));
  }
  get entityViews(): EntityViewStore {
    return this.once('entityViews', () => createEntityViewStore(this.db));
  }
  get changeFeed(): ChangeFeed {
    return this.once('changeFeed', () => new KnexChangeFeed(this.db));
  }
  get consumers(): ConsumerStore {
    return this.once('consumers', () => new KnexConsumerStore(this.db));
  }
  get jobLocks(): JobLockStore {
    return this.once('jobLocks', () => new KnexJobLockStore(this.db));
  }
  get backfillCheckpoints(): BackfillCheckpointStore {
    return this.once('backfillCheckpoints', () => new KnexBackfillCheckpointStore(this.db));
  }
  get retention(): RetentionStore {
    return this.once('retention', () => new KnexRetentionStore(this.db));
  }
  get adminAudit(): AdminAuditStore {
    return this.once('adminAudit', () => new KnexAdminAuditStore(this.db));
  }
  get adminReads(): AdminReadStore {
    return this.once('adminReads', () => new KnexAdminReadStore(this.db));
  }
  get connectorFailures(): ConnectorFailureStore {
    return this.once('connectorFailures', () => new KnexConnectorFailureStore(this.db));
  }
  get csvLayouts(): CsvLayoutStore {
    return this.once('csvLayouts', () => new KnexCsvLayoutStore(this.db));
  }
  get apiKeys(): ApiKeyStore {
    return this.once('apiKeys', () => new KnexApiKeyStore(this.db));
  }
  get consoleSessions(): ConsoleSessionStore {
    return this.once('consoleSessions', () => new KnexConsoleSessionStore(this.db));
  }
  get oauthClients(): OauthClientStore {
    return this.once('oauthClients', () => new KnexOauthClientStore(this.db));
  }
  get oauthUsers(): OauthUserStore {
    return this.once('oauthUsers', () => new KnexOauthUserStore(this.db));
  }
  get oauthTokens(): OauthTokenStore {
    return this.once('oauthTokens', () => new KnexOauthTokenStore(this.db));
  }

  private once<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }
}
