import { describe, expect, it } from 'vitest';
import { droppedFiles } from '../../../extension/lib/protect/dropped';

/** A stand-in for the File and Directory Entries API as browsers hand it to a drop handler. */
function fileEntry(name: string): FileSystemFileEntry {
  const file = new File([new Uint8Array([1, 2, 3])], name, { type: 'image/jpeg' });
  return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(file) } as unknown as FileSystemFileEntry;
}

function dirEntry(name: string, children: FileSystemEntry[], batch = 2): FileSystemDirectoryEntry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: FileSystemEntry[]) => void) => {
          ok(children.slice(at, at + batch));
          at += batch;
        },
      };
    },
  } as unknown as FileSystemDirectoryEntry;
}

function dropOf(entries: FileSystemEntry[], files: File[] = []): Pick<DataTransfer, 'items' | 'files'> {
  const items = entries.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry }));
  return { items: items as unknown as DataTransferItemList, files: files as unknown as FileList };
}

describe('droppedFiles', () => {
  it('walks dropped folders recursively, across readEntries batches, skipping hidden files', async () => {
    const tree = dirEntry('Photos', [
      fileEntry('a.jpg'),
      fileEntry('.DS_Store'),
      dirEntry('2024', [fileEntry('b.jpg'), fileEntry('c.png'), fileEntry('d.webp')]),
      fileEntry('e.jpg'),
    ]);
    const files = await droppedFiles(dropOf([tree, fileEntry('loose.jpg')]));
    expect(files.map((f) => f.name)).toEqual(['a.jpg', 'b.jpg', 'c.png', 'd.webp', 'e.jpg', 'loose.jpg']);
  });

  it('falls back to the plain file list where entries are not offered', async () => {
    const plain = [new File([new Uint8Array(1)], 'x.jpg')];
    expect((await droppedFiles({ items: [] as unknown as DataTransferItemList, files: plain as unknown as FileList })).map((f) => f.name)).toEqual(['x.jpg']);
  });
});
