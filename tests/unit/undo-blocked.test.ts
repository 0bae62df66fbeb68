/**
 * The one statement of when a bulk job can be undone (review/bulk-undo.ts undoBlocked), which the
 * job page's 撤销 button and startUndo both ask: each reason in its order, and who may ask.
 */
import { describe, expect, it } from 'vitest';
import { mayUndo, UNDO_DAYS, undoBlocked, undoRefusal, type UndoSubject } from '../../src/server/review/bulk-undo';
import type { SessionUser } from '../../src/server/auth/session-user';

const now = new Date('2026-12-06T08:00:00Z');
const day = 86_400_000;
const job: UndoSubject = {
  userId: 'u1', action: 'decide', undoable: true, undoneBy: null, state: 'done', finishedAt: new Date(now.getTime() - day), changed: 5,
};
const staff = (id: string) => ({ id, role: 'staff' }) as SessionUser;

describe('undoBlocked', () => {
  it('allows a finished, kept, not yet undone job with changes within its window', () => {
    expect(undoBlocked(job, now)).toBeNull();
    expect(undoBlocked({ ...job, state: 'failed' }, now)).toBeNull(); // undone as far as it went
  });

  it('names the first reason that holds', () => {
    expect(undoBlocked({ ...job, undoable: false, undoneBy: 'j2' }, now)).toBe('notUndoable');
    expect(undoBlocked({ ...job, undoneBy: 'j2', state: 'running' }, now)).toBe('undone');
    expect(undoBlocked({ ...job, state: 'running', finishedAt: null }, now)).toBe('notDone');
    expect(undoBlocked({ ...job, state: 'queued', finishedAt: null }, now)).toBe('notDone');
    expect(undoBlocked({ ...job, finishedAt: new Date(now.getTime() - (UNDO_DAYS + 1) * day), changed: 0 }, now)).toBe('expired');
    expect(undoBlocked({ ...job, changed: 0 }, now)).toBe('nothing');
  });

  it('is the starter’s or an admin’s to ask, with the action’s permission', () => {
    expect(mayUndo(job, staff('u1'))).toBe(true);
    expect(mayUndo(job, staff('u2'))).toBe(false);
    expect(mayUndo(job, { id: 'a', role: 'admin' } as SessionUser)).toBe(true);
    expect(mayUndo({ ...job, action: 'undo' }, staff('u1'))).toBe(false);
    expect(() => undoRefusal(job, staff('u2'))).toThrow(expect.objectContaining({ code: 'Forbidden' }));
    expect(undoRefusal({ ...job, changed: 0 }, staff('u1'))).toBe('nothing');
  });
});
