/** npm run audit:verify — recomputes the audit trail's hash chain; exits 1 at the first break. */
import { verifyAuditChain } from '../server/audit';
import { CliUsageError, runCli, withDatabase } from './run-cli';

await runCli(async () => {
  const report = await withDatabase((database) => verifyAuditChain(database.db));
  if (!report.ok) {
    // CliUsageError: runCli prints the message alone (no stack trace) and exits 1.
    throw new CliUsageError(`审计链在第 ${report.brokenAt} 条记录处断开（其前 ${report.checked} 条完好）：记录可能被篡改，请立即报告并保全数据库。`);
  }
  console.log(`审计链完整：已核对 ${report.checked} 条记录。`);
});
