/**
 * npm run drafts:import -- --file PATH --slug SLUG --round N [--label 二审稿] [--opens ISO]
 *   [--closes ISO] [--title T] [--note PATH] [--code XX]
 * Parses a Markdown or plain-text legal text into the version of round N of draft SLUG (creating
 * the draft and the round if new) and prints the counts. The same text again is a no-op; a
 * different text for a round that has comments is refused (VersionConflict).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';
import { publishVersion } from '../server/drafts/publish-version';
import { importFlagsSchema } from '../server/drafts/schemas';
import { parseOrFail } from '../server/validation';
import { MAX_INPUT_BYTES } from '../server/drafts/parse-legal-text';

const usage =
  'npm run drafts:import -- --file 文本.md --slug 草案标识 --round 审次 [--label 二审稿] [--opens 2026-12-01T09:00] [--closes 2026-12-31T18:00] [--title 标题] [--note 起草说明.md] [--code 回执号前缀]';

function readInputFile(path: string, what: string, limit: number): Buffer {
  if (!existsSync(path) || !statSync(path).isFile()) throw new CliUsageError(`找不到${what}：${path}`, usage);
  if (statSync(path).size > limit) throw new CliUsageError(`${what}过大：${path}（上限 ${Math.round(limit / 1024)} KB）`);
  return readFileSync(path);
}

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions = {}): Promise<number> {
  return runCli(io, async () => {
    const raw = parseFlags(
      argv,
      {
        file: { type: 'string' },
        slug: { type: 'string' },
        round: { type: 'string' },
        label: { type: 'string' },
        opens: { type: 'string' },
        closes: { type: 'string' },
        title: { type: 'string' },
        note: { type: 'string' },
        code: { type: 'string' },
      },
      usage,
    );
    if (raw.code !== undefined && !/^[A-Z]{2,4}$/.test(raw.code)) throw new CliUsageError('--code 应为 2 到 4 个大写字母，例如 JS。', usage);
    const flags = parseOrFail(importFlagsSchema, raw);
    const text = readInputFile(flags.file, '法规文本文件', MAX_INPUT_BYTES);
    const noteMd = flags.note ? readInputFile(flags.note, '起草说明文件', 512 * 1024).toString('utf8') : undefined;

    const result = await withDatabase((database) =>
      publishVersion(
        {
          slug: flags.slug,
          roundNumber: flags.round,
          text: new Uint8Array(text),
          title: flags.title,
          code: raw.code,
          label: flags.label,
          opensAt: flags.opens,
          closesAt: flags.closes,
          noteMd,
        },
        undefined,
        database.db,
      ),
      options.database,
    );
    const c = result.counts;
    const counts = `${c.chapters} 章、${c.sections} 节、${c.articles} 条、${c.paragraphs} 款、${c.items} 项`;
    for (const w of result.warnings) io.err(`注意：${w}`);
    if (result.created) {
      io.out(`已导入 ${flags.slug} 第 ${flags.round} 审次：${counts}。`);
    } else {
      io.out(`${flags.slug} 第 ${flags.round} 审次已是这份文本（${counts}），未做任何修改。`);
    }
  });
}

await runIfStarted(import.meta.url, main);
