/**
 * npm run audit:verify [--anchors <file>]… — checks the audit trail (docs/decisions/012): every
 * row's HMAC and link, and every anchor in AUDIT_ANCHOR_FILE (and in the files given, e.g. an
 * archived anchor file or a log holding `[audit] anchor` lines). After a successful check it
 * appends a new anchor. Exits 1 with the reasons when anything does not match.
 */
import { resolve } from 'node:path';
import { checkAuditChain, type ChainProblem } from '../server/audit';
import { makeAnchor, readAnchors, writeAnchor, type AnchorProblem } from '../server/audit-anchor';
import { auditAnchorFile, loadConfig } from '../server/config';
import { keyRing } from '../server/keys';
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';

const USAGE = 'npm run audit:verify [-- --anchors <锚点文件或日志>]…';
const REPORT = '记录可能被篡改：请立即报告，并保全数据库、锚点文件和日志。';
const REPORT_NOW = '请立即报告，并保全数据库、锚点文件和日志。';

function chainMessage(p: ChainProblem, checked: number): string {
  switch (p.kind) {
    case 'link':
      return `审计链在第 ${p.id} 条记录处断开（其前 ${checked} 条完好）：它所链接的前一条记录被删除或改动了。${REPORT}`;
    case 'hash':
      return `审计链在第 ${p.id} 条记录处断开（其前 ${checked} 条完好）：这条记录的内容与签名不符，已被改动。${REPORT}`;
    case 'legacyAfterKeyed':
      return `审计链在第 ${p.id} 条记录处断开（其前 ${checked} 条完好）：这条记录没有密钥签名，却排在已签名的记录之后，是不持有审计密钥的人写入或改写的。${REPORT}`;
    case 'unknownKey':
      return `无法核对第 ${p.id} 条记录（其前 ${checked} 条完好）：它由编号为 ${p.keyId} 的审计密钥签名，而本机没有这个密钥。若更换过 AUDIT_KEY，请把旧密钥加入 AUDIT_PREVIOUS_KEYS（逗号分隔）后重试；否则这条记录是伪造的：${REPORT_NOW}`;
    case 'anchorMismatch':
      return `审计链与锚点不符（${p.anchor.source}）：锚点记载到第 ${p.id} 条共 ${p.anchor.count} 条记录、末条签名 ${p.anchor.head.slice(0, 16)}…，数据库中到第 ${p.id} 条却有 ${p.count} 条、末条签名 ${p.head.slice(0, 16)}…：锚点覆盖的记录被删除或改动了。${REPORT}`;
    case 'anchorMissing':
      return `审计链的记录不见了：锚点（${p.anchor.source}）记载审计链到第 ${p.id} 条共 ${p.anchor.count} 条记录，而数据库中该条记录不存在（核对到第 ${p.lastRowId} 条，共 ${p.count} 条）。末尾的记录被截去或删除了；若数据库是从备份恢复的，缺少的正是备份之后的记录。${REPORT}`;
  }
}

/** The places, at most five of them, then how many more. */
function places(sources: string[]): string {
  return sources.length <= 5 ? sources.join('、') : `${sources.slice(0, 5).join('、')} 等 ${sources.length} 处`;
}

/** One message per kind of anchor problem (and per unknown key), not one per line. */
function anchorMessages(problems: AnchorProblem[]): string[] {
  const forged = problems.filter((p) => p.kind === 'forged').map((p) => p.source);
  const byKey = new Map<string, string[]>();
  for (const p of problems) if (p.kind === 'unknownKey') byKey.set(p.keyId, [...(byKey.get(p.keyId) ?? []), p.source]);
  return [
    ...(forged.length ? [`锚点签名不符（${places(forged)}）：这些行是伪造或被改动的。${REPORT}`] : []),
    ...[...byKey].map(([id, sources]) => `锚点（${places(sources)}）由编号为 ${id} 的审计密钥签名，而本机没有这个密钥：若更换过 AUDIT_KEY，请把旧密钥加入 AUDIT_PREVIOUS_KEYS（逗号分隔）后重试；否则这些锚点是伪造的：${REPORT_NOW}`),
  ];
}

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions = {}): Promise<number> {
  return runCli(io, async () => {
    const flags = parseFlags(argv, { anchors: { type: 'string', multiple: true } }, USAGE);
    const config = loadConfig();
    const ring = keyRing('audit', config);
    const anchorFile = resolve(auditAnchorFile(config));
    const files = [...new Set([anchorFile, ...(flags.anchors ?? []).map((f) => resolve(f))])];
    const read = await readAnchors(files, ring);
    for (const file of read.missing) {
      if (file !== anchorFile) throw new CliUsageError(`找不到锚点文件 ${file}。`, USAGE);
      io.out(`注意：锚点文件 ${file} 不存在。首次核对时这是正常的；若此前已写过锚点，说明它被删除或移走了。`);
    }
    if (read.unreadable.length) io.out(`注意：${places(read.unreadable)} 不是完整的锚点（可能是断电时写了一半），已跳过。`);

    const report = await withDatabase((database) => checkAuditChain(database.db, { anchors: read.anchors, ring }), options.database);
    const problems = [...anchorMessages(read.problems), ...(report.problem ? [chainMessage(report.problem, report.checked)] : [])];
    if (problems.length) {
      // CliUsageError: runCli prints the message alone (no stack trace) and exits 1.
      throw new CliUsageError(problems.join('\n'));
    }
    io.out(`审计链完整：已核对 ${report.checked} 条记录和 ${report.anchorsChecked} 个锚点（读取 ${read.lines} 行锚点）。`);
    if (report.head) {
      try {
        writeAnchor(anchorFile, makeAnchor(report.head, ring), (l) => io.out(l));
      } catch (err) {
        throw new CliUsageError(`核对通过，但无法写入锚点文件 ${anchorFile}：${(err as Error).message}`);
      }
      io.out(`已写入新锚点：到第 ${report.head.lastId} 条，共 ${report.head.count} 条记录（${anchorFile}）。`);
    }
  });
}

await runIfStarted(import.meta.url, main);
