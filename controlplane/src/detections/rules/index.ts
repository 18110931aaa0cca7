/** The single list of shipped rules. */
import type { Rule } from '../rule';
import { shellInContainer } from './shell-in-container';
import { terminalShellInContainer } from './terminal-shell-in-container';

export const RULES: readonly Rule[] = [shellInContainer, terminalShellInContainer];
