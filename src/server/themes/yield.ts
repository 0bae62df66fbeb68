/**
 * Cooperative yielding for the themes job: long loops call `await slice()` on every item, and it
 * hands the event loop back (setImmediate: pending I/O, e.g. a submission on the same instance, runs
 * first) once SLICE_MS have passed since the last yield. Counting items instead ("every 500") stalls
 * as long as 500 items happen to take — 391 ms measured on a loaded machine (decision 028, addendum).
 */
import { performance } from 'node:perf_hooks';

export const SLICE_MS = 10;

export type Slice = () => Promise<void> | void;

/** A slicer: returns a function to call in the loop; it yields when the slice is used up. */
export function timeSlicer(sliceMs = SLICE_MS): Slice {
  let last = performance.now();
  return () => {
    if (performance.now() - last < sliceMs) return;
    return new Promise<void>((resolve) => setImmediate(() => {
      last = performance.now();
      resolve();
    }));
  };
}
