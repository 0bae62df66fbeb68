/**
 * Streams a DOCX whose body is mostly generated on the fly: the `docx` package packs the document
 * with a placeholder paragraph; its entries are copied into a new zip (archiver) and the
 * placeholder in word/document.xml is replaced by the chunks of `body`, pulled as the zip is
 * written, so memory stays bounded however long the body is.
 */
import { Readable, type Writable } from 'node:stream';
import { once } from 'node:events';

export const PLACEHOLDER = 'KAIMEN-STREAMED-BODY';

/** Writes the packed `docx` to `out`, with `body` in place of the placeholder paragraph, and ends `out`. */
export async function spliceDocx(packed: Buffer, body: AsyncIterable<string>, out: Writable): Promise<void> {
  // Loaded here, not at start-up: only an export needs them (docs/decisions/030-start-up-loading.md).
  const [{ default: archiver }, { default: JSZip }] = await Promise.all([import('archiver'), import('jszip')]);
  const zip = await JSZip.loadAsync(packed);
  const documentXml = await zip.file('word/document.xml')!.async('string');
  const at = documentXml.indexOf(PLACEHOLDER);
  if (at < 0) throw new Error('DOCX placeholder missing');
  const start = documentXml.lastIndexOf('<w:p>', at) >= 0 ? documentXml.lastIndexOf('<w:p>', at) : documentXml.lastIndexOf('<w:p ', at);
  const end = documentXml.indexOf('</w:p>', at) + '</w:p>'.length;
  const head = documentXml.slice(0, start);
  const tail = documentXml.slice(end);

  const archive = archiver('zip', { zlib: { level: 6 } });
  const finished = once(out, 'finish');
  const failed = new Promise<never>((_, reject) => archive.on('error', reject));
  archive.pipe(out);
  for (const [name, entry] of Object.entries(zip.files)) {
    if (entry.dir || name === 'word/document.xml') continue;
    archive.append(await entry.async('nodebuffer'), { name });
  }
  let reject: (err: unknown) => void = () => {};
  const bodyFailed = new Promise<never>((_, r) => { reject = r; });
  bodyFailed.catch(() => {});
  async function* document() {
    try {
      yield head;
      for await (const chunk of body) yield chunk;
      yield tail;
    } catch (err) {
      reject(err);
      throw err;
    }
  }
  archive.append(Readable.from(document(), { objectMode: false }), { name: 'word/document.xml' });
  await Promise.race([archive.finalize(), failed, bodyFailed]);
  await Promise.race([finished, failed, bodyFailed]);
}
