import {
  buildJsonReport,
  csvField,
  countRecordedDeletes,
  deleteIntentKey,
  reportDayPrefix,
  reportKeys,
  toCsv,
  volumesToCsv,
  VOLUME_CSV_COLUMNS,
} from '../../../../lambdas/ebs-audit/core/report';
import { mkVolume, sampleResult as result } from '../../../doubles/ebs-audit-results';

/** A small RFC 4180 parser, written for the test, so the CSV is checked by reading it back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      throw new Error(`bare line break at ${i}`);
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('missing final CRLF');
  return rows;
}

describe('CSV', () => {
  test.each([
    ['plain', 'abc', 'abc'],
    ['comma', 'a,b', '"a,b"'],
    ['quote', 'say "hi"', '"say ""hi"""'],
    ['newline', 'line1\nline2', '"line1\nline2"'],
    ['CRLF', 'a\r\nb', '"a\r\nb"'],
    ['formula is neutralised', '=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['leading minus text', '-rf', "'-rf"],
    ['number untouched', -5, '-5'],
    ['null', null, ''],
    ['boolean', true, 'true'],
  ])('field: %s', (_n, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  test('tag values with commas, quotes and newlines survive a round trip', () => {
    const nasty = { owner: 'Smith, "Jo"\nteam-a', Name: 'db,"main"', note: 'multi\r\nline' };
    const csv = volumesToCsv([mkVolume('vol-1', '111111111111', 'us-east-1', 10, nasty)]);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual([...VOLUME_CSV_COLUMNS]);
    expect(rows[1]).toHaveLength(VOLUME_CSV_COLUMNS.length);
    const get = (col: string) => rows[1][VOLUME_CSV_COLUMNS.indexOf(col as (typeof VOLUME_CSV_COLUMNS)[number])];
    expect(get('owner')).toBe('Smith, "Jo"\nteam-a');
    expect(get('name')).toBe('db,"main"');
    expect(JSON.parse(get('tags_json'))).toEqual(nasty);
    expect(get('monthly_cost_usd')).toBe('1.00');
  });

  test('unpriced volumes say unknown', () => {
    const rows = parseCsv(volumesToCsv([mkVolume('vol-1', '1', 'eu-west-1', 10)]));
    expect(rows[1][VOLUME_CSV_COLUMNS.indexOf('monthly_cost_usd')]).toBe('unknown');
    expect(rows[1][VOLUME_CSV_COLUMNS.indexOf('cost_note')]).toMatch(/no price list for region eu-west-1/);
  });

  test('toCsv uses CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('a,b\r\n1,x\r\n');
  });
});

describe('JSON report', () => {
  test('JSON report carries the volumes sorted by cost, the price table and the gaps', () => {
    const json = JSON.parse(buildJsonReport(result));
    expect(json.schemaVersion).toBe(1);
    expect(json.volumes[0].volumeId).toBe('vol-a11');
    expect(json.volumes.at(-1).volumeId).toBe('vol-b2');
    expect(json.priceTable.regions['us-east-1'].source).toMatch(/infracost/);
    expect(json.notAudited[0].reason).toBe('not authorized');
  });
});

test('report keys are dated', () => {
  expect(reportKeys('ebs-audit/', new Date('2026-11-23T06:00:01.123Z'))).toEqual({
    csv: 'ebs-audit/2026-11-23/ebs-audit-20261123T060001Z.csv',
    json: 'ebs-audit/2026-11-23/ebs-audit-20261123T060001Z.json',
    notAuditedCsv: 'ebs-audit/2026-11-23/ebs-audit-20261123T060001Z-not-audited.csv',
    actionsJson: 'ebs-audit/2026-11-23/ebs-audit-20261123T060001Z-actions.json',
  });
});

test('A3: delete records carry their count in the key; only intent keys of the day count', () => {
  const at = new Date('2026-11-23T06:00:01.123Z');
  expect(reportDayPrefix('ebs-audit/', at)).toBe('ebs-audit/2026-11-23/');
  expect(deleteIntentKey('ebs-audit/', at, 7)).toBe(
    'ebs-audit/2026-11-23/ebs-audit-20261123T060001Z-delete-intent-7.json',
  );
  expect(
    countRecordedDeletes([
      deleteIntentKey('ebs-audit/', at, 7),
      'ebs-audit/2026-11-23/ebs-audit-20261123T070000Z-delete-intent-3.json',
      'ebs-audit/2026-11-23/ebs-audit-20261123T060001Z-actions.json',
      'ebs-audit/2026-11-23/notes-delete-intent-99.json',
    ]),
  ).toBe(10);
});
