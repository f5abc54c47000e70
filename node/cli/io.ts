/** Where CLI commands write; tests pass their own to capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Raw stderr write without newline (progress bars); no-op where stderr is not a terminal. */
  progress(text: string): void;
  isTTY: boolean;
}

export function defaultIo(): CliIo {
  const isTTY = Boolean(process.stderr.isTTY);
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (text) => {
      if (isTTY) process.stderr.write(text);
    },
    isTTY,
  };
}
