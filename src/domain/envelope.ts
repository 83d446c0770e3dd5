/**
 * The shared vocabulary of a delivery: what every stage means by an envelope, an action and a version.
 *
 * @remarks Depends on nothing, so every stage may import it without importing another stage (the receiver
 * validates envelopes, the inbox stores them, records order them by version). See docs/adr/0017-stores-per-engine.md.
 */

/** The actions an AppDirect webhook names, in the order the ordering rule ranks them. */
export const RESOURCE_ACTIONS = ['ADDED', 'CHANGED', 'REMOVED'] as const;

/** One of RESOURCE_ACTIONS. */
export type ResourceAction = (typeof RESOURCE_ACTIONS)[number];

/** The fields of an AppDirect webhook envelope the service relies on; ids always as strings. */
export interface Envelope {
  uuid: string;
  timestamp: number;
  resourceType: string;
  resourceUuid: string;
  resourceAction: ResourceAction;
}

/** Which delivery a record's state comes from: the key of the ordering rule (records/record-version.ts). */
export interface RecordVersion {
  timestamp: number;
  action: ResourceAction;
  uuid: string;
}
