/**
 * Resolves after the first SIGINT or SIGTERM once `stop` has run: a foreground service's Ctrl-C.
 */
export function untilSignal(name: string, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${name}: ${signal}, stopping…`);
      void stop().then(() => {
        console.log(`${name}: stopped`);
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
