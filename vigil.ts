#!/usr/bin/env node
/**
 * The `vigil` command: registers each part's commands and funnels every error
 * into one message and a non-zero exit. Parts never import each other; they
 * meet here and over gRPC.
 */
import { Command, CommanderError } from 'commander';
import { VigilError } from './proto/errors';
import { traceCommand } from './sensor/src/cli/trace';
import { sensorCommand } from './sensor/src/cli/sensor-run';
import { alertsCommand } from './controlplane/src/cli/alerts';
import { auditCommand } from './controlplane/src/cli/audit';
import { gapsCommand } from './controlplane/src/cli/gaps';
import { containersCommand } from './controlplane/src/cli/containers';
import { controlplaneCommand } from './controlplane/src/cli/controlplane';
import { clusterCommand } from './controlplane/src/cli/cluster';
import { eventsCommand } from './controlplane/src/cli/events';
import { rulesCommand } from './controlplane/src/cli/rules';
import { certsCommand } from './controlplane/src/cli/certs';
import { tokenCommand } from './controlplane/src/cli/token';
import { simulateCommand } from './controlplane/src/cli/simulate';
import { upCommand } from './controlplane/src/cli/up';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

const program = new Command('vigil')
  .description('Vigil: runtime threat detection for Linux and Kubernetes nodes')
  .version(version)
  .showHelpAfterError('(run vigil --help for usage)')
  .addCommand(upCommand())
  .addCommand(controlplaneCommand())
  .addCommand(clusterCommand())
  .addCommand(sensorCommand(version))
  .addCommand(traceCommand())
  .addCommand(eventsCommand())
  .addCommand(alertsCommand())
  .addCommand(containersCommand())
  .addCommand(gapsCommand())
  .addCommand(auditCommand())
  .addCommand(rulesCommand())
  .addCommand(tokenCommand())
  .addCommand(certsCommand())
  .addCommand(simulateCommand());

// Usage errors come back here instead of exiting inside commander, so that
// every one of them, ours or commander's, exits with status 2.
const throwInsteadOfExit = (cmd: Command): void => {
  cmd.exitOverride();
  cmd.commands.forEach(throwInsteadOfExit);
};
throwInsteadOfExit(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2); // commander printed it
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`vigil: ${message}\n`);
  process.exit(err instanceof VigilError && err.code === 'INVALID_ARGUMENT' ? 2 : 1);
});
