/**
 * The real legal texts and the public API contract the tests read. They come from ../shared
 * (data/laws, docs/api.md) and are kept in tests/fixtures/shared, so a clone tests the same
 * wherever it lies; tests/unit/shared-fixtures.test.ts checks the copies against ../shared when
 * that folder is beside the clone.
 */
export const lawsDir = new URL('../fixtures/shared/data/laws/', import.meta.url);

/** The URL of one law of the fixtures, e.g. `beijing-tingche-2021.md`. */
export const lawFile = (name: string) => new URL(name, lawsDir);

export const apiContract = new URL('../fixtures/shared/docs/api.md', import.meta.url);
