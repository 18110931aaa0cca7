/**
 * EventType numbers, read from event.proto (a body field's number is its
 * type): the events table's `type` column, by body name (exec) and by
 * enum name (EVENT_TYPE_EXEC). A body added to the contract is known here
 * the day it is added.
 */
import { messageType } from '../../../proto/loader';

const event = messageType('vigil.v1.Event');

/** The body names of Event's oneof, in field order: exec, fork, … */
export const EVENT_BODIES: readonly string[] = event.oneofs.body.fieldsArray.map((f) => f.name);

export const EVENT_TYPE_NUMBER: Record<string, number> = Object.fromEntries([
  ...event.oneofs.body.fieldsArray.map((f) => [f.name, f.id] as const),
  ...Object.entries(event.root.lookupEnum('vigil.v1.EventType').values).filter(([, n]) => n !== 0),
]);
