/** The little of archiver (installed with exceljs) that the DOCX writer uses. */
declare module 'archiver' {
  import type { Readable, Writable } from 'node:stream';
  import type { EventEmitter } from 'node:events';

  interface Archiver extends EventEmitter {
    pipe<T extends Writable>(destination: T): T;
    append(source: Buffer | Readable | string, data: { name: string; date?: Date }): this;
    finalize(): Promise<void>;
  }
  export default function archiver(format: 'zip', options?: { zlib?: { level?: number } }): Archiver;
}
