import type { ConnectorConfig, HttpAuthConfig } from '../config/connector-schema';
import type { Config } from '../config/config-schema';
import { systemClock, type Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { FeedService } from '../feed/feed-service';
import type { Scheduler } from '../jobs/scheduler';
import { consumerNameOf, type Connector } from './connector';
import type { ConnectorFailureStore } from './connector-failure-store';
import { ConnectorFeed } from './connector-feed';
import type { CsvLayoutStore } from './csv-layout-store';
import { ConnectorRunner } from './connector-runner';
import { DatabaseConnector } from './database-connector';
import { FileExportConnector } from './file-export-connector';
import { KnexDestinationTableStore } from './knex-destination-table-store';
import { createHttpAuth } from './http-auth';
import { HttpPushConnector } from './http-push-connector';
import { HttpSender } from './http-sender';
import { HubspotConnector } from './hubspot-connector';
import { identityShapes, type RecordShapes } from './record-shapes';
import { SalesforceConnector } from './salesforce-connector';
import { SalesforceSession } from './salesforce-session';
import { RefusalPolicy } from './refusal-policy';

export interface ConnectorDeps {
  feed: FeedService;
  logger: Logger;
  /** Where refused changes are parked (connector_failures). */
  failures: ConnectorFailureStore;
  /** The CSV columns file connectors last wrote (connector_csv_layouts). */
  layouts: CsvLayoutStore;
  clock?: Clock;
  /** The service's one scheduler (with its job locks); none: a scheduler of the runner's own, without locks. */
  scheduler?: Scheduler;
  /** What each connector sends per entity (its output mappings); none: the normalized record, no declared columns. */
  shapes?: (name: string, config: ConnectorConfig) => RecordShapes;
  /** Called once per parked change (the metrics counter). */
  onParked?: (connector: string) => void;
}

/** Builds one connector from its config, reading the feed as consumer `connector:<name>`. */
export function createConnector(name: string, config: ConnectorConfig, deps: ConnectorDeps): Connector {
  const feed = new ConnectorFeed(deps.feed, consumerNameOf(name), config.entities);
  const shapes = deps.shapes?.(name, config) ?? identityShapes();
  const clock = deps.clock ?? systemClock;
  if (config.type === 'file') {
    // A file connector parks only records its output mapping refuses; it has no destination to refuse one.
    const refusals = new RefusalPolicy(name, 'park', { store: deps.failures, clock, onParked: deps.onParked });
    return new FileExportConnector(name, config, feed, shapes, deps.layouts, refusals);
  }
  if (config.type === 'database') {
    const refusals = new RefusalPolicy(name, config.onRefused, { store: deps.failures, clock, onParked: deps.onParked });
    const open = () =>
      KnexDestinationTableStore.open({ client: config.client, url: config.url, password: config.password, schema: config.schema });
    return new DatabaseConnector(name, config, feed, open, shapes, refusals);
  }
  if (config.type === 'hubspot') {
    const refusals = new RefusalPolicy(name, config.onRefused, { store: deps.failures, clock, onParked: deps.onParked });
    // Retries and rate limits are the connector's (callHubspot), so the client's own retry decorator is off.
    const client = once(async () => {
      // Loaded on first use: the client adds ~15 MB to a process that runs no HubSpot connector (ADR 0039).
      const { Client } = await import('@hubspot/api-client');
      return new Client({ accessToken: config.accessToken, basePath: config.basePath, numberOfApiCallRetries: 0 });
    });
    return new HubspotConnector(name, config, feed, client, shapes, refusals);
  }
  if (config.type === 'salesforce') {
    const refusals = new RefusalPolicy(name, config.onRefused, { store: deps.failures, clock, onParked: deps.onParked });
    const session = new SalesforceSession({ loginUrl: config.loginUrl, apiVersion: config.apiVersion, auth: config.auth });
    return new SalesforceConnector(name, config, feed, session, shapes, refusals);
  }
  const sender = new HttpSender({
    connector: name,
    headers: config.headers,
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    auth: createHttpAuth(config.auth, config.timeoutMs),
    logger: deps.logger,
    // Extra headers often carry an API key: their values are redacted from kept answers too.
    secrets: [...secretsOf(config.auth), ...Object.values(config.headers)],
  });
  const refusals = new RefusalPolicy(name, config.onRefused, { store: deps.failures, clock, onParked: deps.onParked });
  return new HttpPushConnector(name, config, feed, sender, shapes, refusals);
}

/** The runner of every configured connector; disabled ones are not scheduled but can be run on demand. */
export function createConnectors(configs: Config['connectors'], deps: ConnectorDeps): ConnectorRunner {
  const entries = Object.entries(configs).map(([name, config]) => ({
    connector: createConnector(name, config, deps),
    schedule: config.enabled ? config.schedule : undefined,
  }));
  return new ConnectorRunner(entries, deps.logger, deps.scheduler);
}

/** The credentials of a connector's auth config: never stored in a parked change's answer. */
function secretsOf(auth: HttpAuthConfig): string[] {
  if (auth.type === 'bearer') return [auth.token];
  if (auth.type === 'oauth2') return [auth.clientSecret];
  return [];
}

/** `make`, called once, on the first call; every call gets its promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
