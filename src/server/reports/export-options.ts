/** What every export function takes besides the scope: language, cancellation, progress. */
import type { Locale } from '../../i18n';

export interface ExportOptions {
  locale?: Locale;
  /** Aborted when the server stops: the job goes back to the queue for another instance. */
  signal?: AbortSignal;
  /** Called after each page with the number of comment rows done so far. */
  onProgress?: (rowsDone: number) => void | Promise<void>;
}
