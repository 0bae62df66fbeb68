import { describe, expect, it } from 'vitest';
import { deputySheetInput, kioskCommentInput, stationInput } from '../../src/server/stations/schemas';
import { generateEnrollmentCode, kioskState, normaliseEnrollmentCode } from '../../src/server/stations/kiosks';
import { parseStationsCsv } from '../../src/server/stations/import-stations';
import { stationCommentUrl } from '../../src/server/stations/posters';
import { AppError } from '../../src/server/errors';

describe('station input', () => {
  it('upper-cases the code, accepts Chinese type names and drops empty optionals', () => {
    const s = stationInput.parse({ code: 'dc-jnk-01', name: ' 交道口代表之家 ', type: '代表之家', district: '东城区', street: '', address: ' ' });
    expect(s).toEqual({ code: 'DC-JNK-01', name: '交道口代表之家', type: 'deputies_home', district: '东城区' });
  });
  it('refuses a bad code and an unknown type with i18n keys', () => {
    const r = stationInput.safeParse({ code: '交道口', name: 'x', type: '居委会', district: '东城区' });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}:${i.message}`);
    expect(messages).toContain('code:station.codeFormat');
    expect(messages).toContain('type:station.typeInvalid');
  });
});

describe('kiosk and deputy input', () => {
  it('reads "general" or an empty article as a general comment and needs a key', () => {
    const base = { draft: 'jiesu-jiban', body: '建议增加夜间受理时间', idempotencyKey: 'abcdefghijklmnop1234' };
    expect(kioskCommentInput.parse({ ...base, article: 'general' }).article).toBeUndefined();
    expect(kioskCommentInput.parse({ ...base, article: '12' }).article).toBe(12);
    expect(kioskCommentInput.safeParse({ ...base, idempotencyKey: 'short' }).success).toBe(false);
    expect(kioskCommentInput.safeParse({ ...base, body: '好' }).success).toBe(false);
  });
  it('defaults voices to 1 and bounds it', () => {
    const sheet = { draft: 'd', idempotencyKey: 'abcdefghijklmnop1234', rows: [{ body: '社区停车难的问题要解决', voices: '' }] };
    expect(deputySheetInput.parse(sheet).rows[0].voices).toBe(1);
    expect(deputySheetInput.safeParse({ ...sheet, rows: [{ body: '社区停车难的问题要解决', voices: 0 }] }).success).toBe(false);
    expect(deputySheetInput.safeParse({ ...sheet, rows: [] }).success).toBe(false);
  });
});

describe('enrollment codes', () => {
  it('are 8 unambiguous characters in two groups and normalise for hashing', () => {
    const codes = new Set(Array.from({ length: 200 }, generateEnrollmentCode));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(normaliseEnrollmentCode(' k7qm-2pxa ')).toBe('K7QM2PXA');
  });
  it('have a state', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const later = new Date('2026-01-02T00:00:00Z');
    expect(kioskState({ revokedAt: now, credentialHash: 'x', enrollmentExpiresAt: null }, now)).toBe('revoked');
    expect(kioskState({ revokedAt: null, credentialHash: 'x', enrollmentExpiresAt: null }, now)).toBe('active');
    expect(kioskState({ revokedAt: null, credentialHash: null, enrollmentExpiresAt: later }, now)).toBe('pending');
    expect(kioskState({ revokedAt: null, credentialHash: null, enrollmentExpiresAt: now }, later)).toBe('expired');
  });
});

describe('stations CSV', () => {
  const header = 'code,name,type,district,street,address\n';
  it('parses rows, with a BOM and Chinese headers', () => {
    const rows = parseStationsCsv('\uFEFF编码,名称,类型,区,街道/乡镇,地址\nDC-1,交道口代表之家,代表之家,东城区,交道口街道,"东城区交道口南大街1号"\n');
    expect(rows).toEqual([{ code: 'DC-1', name: '交道口代表之家', type: 'deputies_home', district: '东城区', street: '交道口街道', address: '东城区交道口南大街1号' }]);
  });
  it('reports every bad row with its line number', () => {
    const text = header + 'A1,甲站,liaison_station,东城区,,\nB 2,乙站,liaison_station,东城区,,\nC3,,bogus,西城区,,\nA1,重复,liaison_station,东城区,,\n';
    const err = (() => { try { parseStationsCsv(text); } catch (e) { return e; } })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.fields.map((f) => `${f.field}:${f.key}`)).toEqual([
      'line:3:code:station.codeFormat',
      'line:4:name:field.required',
      'line:4:type:station.typeInvalid',
      'line:5:code:station.importDuplicate',
    ]);
  });
  it('refuses unknown or missing columns and malformed CSV', () => {
    const fields = (text: string) => { try { parseStationsCsv(text); return []; } catch (e) { return (e as AppError).fields.map((f) => f.key); } };
    expect(fields('code,name,colour\nA,B,C\n')).toEqual(['station.importUnknownColumn']);
    expect(fields('code,name\nA,B\n')).toEqual(['station.importMissingColumn', 'station.importMissingColumn']);
    expect(fields(header + 'A,"unclosed,liaison_station,东城区,,\n')).toEqual(['station.importMalformed']);
    expect(fields(header)).toEqual(['station.importEmpty']);
  });
});

describe('poster URLs', () => {
  it('point to the station, with the deputy when given', () => {
    expect(stationCommentUrl('https://kaimen.example', 'DC-1')).toBe('https://kaimen.example/stations/DC-1');
    expect(stationCommentUrl('https://kaimen.example', 'DC-1', 'u-1')).toBe('https://kaimen.example/stations/DC-1?deputy=u-1');
  });
});

describe('the deputy sheet form', () => {
  it('skips blank rows and maps row errors back to the form rows', async () => {
    const { remapRowErrors, sheetFromForm } = await import('../../src/server/stations/sheet-form');
    const values = { idempotencyKey: 'k'.repeat(20), body_0: '第一条意见内容', voices_0: '2', body_1: '', voices_1: '1', name_2: '王阿姨', body_2: '短', contact_3: '' };
    const { sheet, formRows } = sheetFromForm(values, 4, false);
    expect(formRows).toEqual([0, 2]);
    expect(sheet.rows.map((r) => r.body)).toEqual(['第一条意见内容', '短']);
    const err = remapRowErrors(new AppError('ValidationFailed', {}, [{ field: 'rows.1.body', key: 'field.tooShort' }, { field: 'station', key: 'field.invalid' }]), formRows);
    expect(err.fields.map((f) => f.field)).toEqual(['body_2', 'station']);
    expect(remapRowErrors(new AppError('ValidationFailed', {}, [{ field: 'rows', key: 'deputy.sheetEmpty' }]), []).fields[0].field).toBe('body_0');
  });
});
