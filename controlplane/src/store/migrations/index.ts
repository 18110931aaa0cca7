/** Ordered schema migrations; PRAGMA user_version holds how many have run. */
import { sql as initial } from './001-initial';

export const MIGRATIONS: readonly string[] = [initial];
