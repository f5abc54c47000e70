import type { CliIo } from './io';

/** A one-line progress bar on stderr, drawn only on a terminal and only for batches worth it. */
export const PROGRESS_MIN_FILES = 20;

export function createProgress(io: CliIo, total: number, label: string): { tick(): void; done(): void } {
  const enabled = io.isTTY && total >= PROGRESS_MIN_FILES;
  let count = 0;
  let lastDraw = 0;
  const width = 30;
  const draw = () => {
    const filled = Math.round((count / total) * width);
    io.progress(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`);
  };
  return {
    tick() {
      count++;
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw > 100 || count === total) {
        lastDraw = now;
        draw();
      }
    },
    done() {
      if (enabled) io.progress('\r' + ' '.repeat(width + label.length + 24) + '\r');
    },
  };
}
