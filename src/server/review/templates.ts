/** Reusable response texts (答复模板), per draft or shared by all drafts. */
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { responseTemplates } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { templateSchema } from './schemas';
import { parseOrFail } from '../validation';

export type ResponseTemplate = typeof responseTemplates.$inferSelect;

/** The templates usable for `draftId` (its own and the shared ones), by title. */
export async function listTemplates(draftId: string | null, db: DbOrTx = getDb()): Promise<ResponseTemplate[]> {
  const scope = draftId ? or(eq(responseTemplates.draftId, draftId), isNull(responseTemplates.draftId)) : isNull(responseTemplates.draftId);
  return db.select().from(responseTemplates).where(scope).orderBy(asc(responseTemplates.title));
}

/** Every template, for the templates page. */
export async function listAllTemplates(db: DbOrTx = getDb()): Promise<ResponseTemplate[]> {
  return db.select().from(responseTemplates).orderBy(asc(responseTemplates.title));
}

/** Creates a template; audited. Throws ValidationFailed. */
export async function createTemplate(input: unknown, actor: Actor, db: DbOrTx = getDb()): Promise<ResponseTemplate> {
  const t = parseOrFail(templateSchema, input);
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(responseTemplates).values({ title: t.title, body: t.body, draftId: t.draftId ?? null }).returning();
    await recordAudit(tx, actor, { action: 'template.create', objectType: 'response_template', objectId: row.id, after: t });
    return row;
  });
}

/** Deletes a template (responses already written keep their text); audited. */
export async function deleteTemplate(id: string, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.delete(responseTemplates).where(and(eq(responseTemplates.id, id))).returning();
    if (!row) throw new AppError('NotFound');
    await recordAudit(tx, actor, { action: 'template.delete', objectType: 'response_template', objectId: id, before: { title: row.title, body: row.body } });
  });
}

/** The body of template `id`, or NotFound. */
export async function templateBody(id: string, db: DbOrTx = getDb()): Promise<string> {
  const [row] = await db.select({ body: responseTemplates.body }).from(responseTemplates).where(eq(responseTemplates.id, id));
  if (!row) throw new AppError('NotFound');
  return row.body;
}
