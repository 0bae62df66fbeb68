/**
 * Validates a JSON value against a schema of the served OpenAPI document (its $refs resolved
 * against components.schemas) with zod's z.fromJSONSchema: what a client reading the document
 * would accept, independent of the zod schemas the document was generated from.
 */
import { z } from 'zod';
import { openApiDocument } from '../../src/server/openapi';

type Op = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

/** The zod validator for the JSON response `status` of `method path` as the document describes it. */
export function documentedResponse(method: string, path: string, status: number): z.ZodType {
  const op = (openApiDocument.paths as Record<string, Record<string, Op>>)[path]?.[method];
  const schema = op?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`${method} ${path} documents no JSON response ${status}`);
  const local = (s: unknown) => JSON.parse(JSON.stringify(s).replaceAll('#/components/schemas/', '#/$defs/'));
  return z.fromJSONSchema({ ...local(schema), $defs: local(openApiDocument.components.schemas) });
}
