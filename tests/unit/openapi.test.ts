import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/server/openapi';
import { apiContract } from '../support/shared-fixtures';

/**
 * Endpoints api.md names that are not built yet, each with the open issue that builds it. The
 * OpenAPI document must not claim them before they exist; once one is built, move it out of here.
 */
const notYetBuilt: Record<string, string> = {
  'post /api/v1/staff/comments/bulk': 'issue 19',
  'get /api/v1/staff/jobs/{job}': 'issue 19',
  'get /api/v1/staff/drafts/{slug}/rounds/{n}/themes': 'issue 20',
};

describe('OpenAPI document', () => {
  it('describes every endpoint of api.md', () => {
    const api = readFileSync(apiContract, 'utf8');
    const documented = [...api.matchAll(/`(GET|POST) (\/[^ `?]+)/g)].map(([, method, path]) => [method.toLowerCase(), path] as const);
    expect(documented.length).toBeGreaterThanOrEqual(10);
    const paths = openApiDocument.paths as Record<string, Record<string, unknown>>;
    for (const [method, path] of documented) {
      const variants = path.includes('report.docx|') ? ['docx', 'xlsx', 'csv'].map((f) => path.replace(/report\..*$/, `report.${f}`)) : [path];
      for (const p of variants) {
        if (notYetBuilt[`${method} ${p}`]) expect(paths[p]?.[method], `${method} ${p} is listed as not yet built (${notYetBuilt[`${method} ${p}`]})`).toBeUndefined();
        else expect(paths[p]?.[method], `${method} ${p}`).toBeDefined();
      }
    }
  });

  it('resolves every $ref and declares every path parameter', () => {
    const text = JSON.stringify(openApiDocument);
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
      expect(openApiDocument.components.schemas, name).toHaveProperty(name);
    }
    for (const [path, item] of Object.entries(openApiDocument.paths as unknown as Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect(declared.sort(), path).toEqual(names.sort());
      }
    }
    expect(openApiDocument.openapi).toBe('3.1.0');
  });
});
