/** What every command gets from `main`: the signal that Ctrl-C aborts. */
export interface CommandContext {
  signal: AbortSignal;
}
