import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WatermarkStore } from '../ports/watermark-store';

/**
 * Watermarks in one JSON file under the local state folder. Writes go to a temporary file
 * that is renamed over the old one, so a crash never leaves a half-written file.
 */
export class FileWatermarkStore implements WatermarkStore {
  constructor(private readonly path: string) {}

  private async readAll(): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  locate(table: string): string {
    return `"${table}" in ${this.path}`;
  }

  async read(table: string): Promise<string | undefined> {
    return (await this.readAll())[table];
  }

  async write(table: string, watermark: string): Promise<void> {
    const all = await this.readAll();
    all[table] = watermark;
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(all, null, 2) + '\n');
    await rename(temporary, this.path);
  }
}
