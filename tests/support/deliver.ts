/**
 * Runs the queued message jobs of a test's database now, as the server's runner would within a
 * second: each one through its real transport (the SMTP sink, the SMS gateway, MESSAGES_FILE).
 */
import type { DbOrTx } from '../../src/db/client';
import { runNextJob } from '../../src/server/jobs/runner';
import { registerMessageDelivery } from '../../src/server/messages/deliver';
import { MESSAGE_LANE } from '../../src/server/messages/outbox';

/** Delivers every due message (retries included once their backoff has passed); how many jobs ran. */
export async function deliverQueued(db: DbOrTx, opts: { workerId?: string } = {}): Promise<number> {
  registerMessageDelivery();
  let n = 0;
  while (await runNextJob({ workerId: opts.workerId ?? 'test-delivery', exportDir: '/tmp', lane: MESSAGE_LANE, db })) n++;
  return n;
}
