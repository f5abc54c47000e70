/**
 * The files dropped on the protect page, with dropped folders walked recursively (the File and
 * Directory Entries API, in Chrome and Firefox alike). Entries must be taken while the drop event
 * runs, so call this synchronously from the handler and await the result afterwards. Hidden
 * files (".DS_Store" and the like) are skipped; anything else goes to the hasher, which lists
 * what it cannot read with its reason.
 */
export function droppedFiles(data: Pick<DataTransfer, 'items' | 'files'>): Promise<File[]> {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(data.items ?? [])) {
    const entry = item.kind === 'file' ? item.webkitGetAsEntry?.() : null;
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) return Promise.resolve(Array.from(data.files ?? []));
  return collect(entries);
}

async function collect(entries: FileSystemEntry[]): Promise<File[]> {
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.name.startsWith('.')) return;
    if (entry.isFile) {
      out.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in batches (100 in Chrome) until an empty one.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return out;
}
