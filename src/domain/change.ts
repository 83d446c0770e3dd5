/** The shared vocabulary of the change log: written by records and remap (through the feed's change log), read by the feed. */

/** What a change did to its record. */
export type ChangeKind = 'created' | 'updated' | 'deleted' | 'restored';

/** Why a change was made: an inbox event applied, or a record re-mapped under a new mapping version. */
export type ChangeCause = 'event' | 'remap';
