import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** File extensions picked up when a folder is given; files named explicitly are always tried. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jfif', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff', '.heic', '.bmp']);

export interface FoundFile {
  /** The path as the user gave it, or as found under the folder they gave (joined to it). */
  path: string;
  /** Set when the argument itself could not be read. */
  error?: string;
}

async function walk(dir: string, out: FoundFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) out.push({ path });
  }
}

/** Expands files and folders (recursively, sorted, hidden entries skipped) into a list of files. */
export async function expandImagePaths(args: string[]): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  for (const arg of args) {
    let info;
    try {
      info = await stat(arg);
    } catch {
      out.push({ path: arg, error: 'No such file or folder.' });
      continue;
    }
    if (info.isDirectory()) await walk(arg, out);
    else out.push({ path: arg });
  }
  return out;
}
