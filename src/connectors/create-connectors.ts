import type { ConnectorConfig } from '../config/connector-schema';
import type { Config } from '../config/config-schema';
import type { Logger } from '../core/logger';
import type { FeedService } from '../feed/feed-service';
import type { Scheduler } from '../jobs/scheduler';
import { consumerNameOf, type Connector } from './connector';
import { ConnectorFeed } from './connector-feed';
import { ConnectorRunner } from './connector-runner';
import { FileExportConnector } from './file-export-connector';
import { createHttpAuth } from './http-auth';
import { HttpPushConnector } from './http-push-connector';
import { HttpSender } from './http-sender';

export interface ConnectorDeps {
  feed: FeedService;
  logger: Logger;
  /** The service's one scheduler (with its job locks); none: a scheduler of the runner's own, without locks. */
  scheduler?: Scheduler;
}

/** Builds one connector from its config, reading the feed as consumer `connector:<name>`. */
export function createConnector(name: string, config: ConnectorConfig, deps: ConnectorDeps): Connector {
  const feed = new ConnectorFeed(deps.feed, consumerNameOf(name), config.entities);
  if (config.type === 'file') return new FileExportConnector(name, config, feed);
  const sender = new HttpSender({
    connector: name,
    headers: config.headers,
    timeoutMs: config.timeoutMs,
    retry: config.retry,
    auth: createHttpAuth(config.auth, config.timeoutMs),
    logger: deps.logger,
  });
  return new HttpPushConnector(name, config, feed, sender);
}

/** The runner of every configured connector; disabled ones are not scheduled but can be run on demand. */
export function createConnectors(configs: Config['connectors'], deps: ConnectorDeps): ConnectorRunner {
  const entries = Object.entries(configs).map(([name, config]) => ({
    connector: createConnector(name, config, deps),
    schedule: config.enabled ? config.schedule : undefined,
  }));
  return new ConnectorRunner(entries, deps.logger, deps.scheduler);
}
