/** What every export function takes besides the scope: language, full or masked contacts, cancellation, progress. */
import type { Locale } from '../../i18n';

export interface ExportOptions {
  locale?: Locale;
  /**
   * Full names and contacts for a `staff-personal` export. Only requestReportExport sets it, for an
   * export chosen with a stated purpose by a holder of export:unmasked; absent, they are masked.
   */
  unmasked?: boolean;
  /** Aborted when the server stops: the job goes back to the queue for another instance. */
  signal?: AbortSignal;
  /** Called after each page with the number of comment rows done so far. */
  onProgress?: (rowsDone: number) => void | Promise<void>;
}
