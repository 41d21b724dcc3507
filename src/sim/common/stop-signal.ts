// The end of a simulator run from the command line: SIGINT (Ctrl-C) or SIGTERM.

/**
 * Resolves at the first SIGINT or SIGTERM, and stops listening for them. Call it before printing "Press Ctrl-C":
 * whoever reads that line (a person, or a test) may send the signal at once, and without a listener it would end the
 * process before the simulator closes.
 */
export function stopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
