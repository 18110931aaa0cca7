/**
 * How every long-running `vigil` command waits: until the user or the system
 * asks it to stop (SIGINT, SIGTERM), reloading its configuration on SIGHUP
 * meanwhile, as daemons do.
 */
export function untilStopped(onReload?: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const hup = () => onReload?.();
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', hup);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Without a reload to do, SIGHUP keeps its default: the terminal went away, stop.
    process.on('SIGHUP', onReload ? hup : stop);
  });
}
