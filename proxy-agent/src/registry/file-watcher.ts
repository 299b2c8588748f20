import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange` (debounced) when a file changes. Watches the directory, not the file: editors and
 * Kubernetes ConfigMap updates replace the file by renaming, which ends a watch on the old inode.
 */
export class FileWatcher {
  private readonly watcher: FSWatcher;
  private timer: NodeJS.Timeout | undefined;

  constructor(path: string, debounceMs: number, onChange: () => void) {
    const name = basename(path);
    this.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      // ConfigMap mounts swap a `..data` symlink: any event in the directory may mean our file changed.
      if (file !== null && file !== name && !file.startsWith('..')) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        onChange();
      }, debounceMs);
    });
    this.watcher.on('error', () => undefined);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher.close();
  }
}
