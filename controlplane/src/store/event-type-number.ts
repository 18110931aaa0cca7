/** EventType numbers, as in event.proto (body field number = type): the events table's `type` column. */
export const EVENT_TYPE_NUMBER: Record<string, number> = {
  exec: 1, fork: 2, exit: 3, connect: 4, mount: 5, loss: 6, container_started: 7, container_exited: 8, file: 9,
  EVENT_TYPE_EXEC: 1, EVENT_TYPE_FORK: 2, EVENT_TYPE_EXIT: 3, EVENT_TYPE_CONNECT: 4, EVENT_TYPE_MOUNT: 5, EVENT_TYPE_LOSS: 6,
  EVENT_TYPE_CONTAINER_STARTED: 7, EVENT_TYPE_CONTAINER_EXITED: 8, EVENT_TYPE_FILE: 9,
};
