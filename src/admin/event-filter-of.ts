import type { EventFilter } from '../inbox/event-admin-store';

/** The event filters of a parsed admin query or body (eventListQuery, eventRetryBody), as the event store takes them. */
export function eventFilterOf(q: {
  status?: EventFilter['statuses'];
  type?: string[];
  source?: string;
  resource?: string;
  delivery?: string;
  since?: Date;
  until?: Date;
}): EventFilter {
  return {
    statuses: q.status,
    resourceTypes: q.type,
    source: q.source,
    resourceUuid: q.resource,
    deliveryUuid: q.delivery,
    since: q.since,
    until: q.until,
  };
}
