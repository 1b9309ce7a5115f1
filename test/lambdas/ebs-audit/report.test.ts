import { buildOpsEvent, opsEventSchema } from '../../../lambdas/shared/ops-event';
import {
  buildAuditOpsEvent,
  buildJsonReport,
  csvField,
  countRecordedDeletes,
  deleteIntentKey,
  reportDayPrefix,
  reportKeys,
  summarizeAudit,
  toCsv,
  volumesToCsv,
  VOLUME_CSV_COLUMNS,
  type AuditResult,
} from '../../../lambdas/ebs-audit/report';
import { classifyVolume, type ClassificationRules } from '../../../lambdas/ebs-audit/volumes';
import { parseOpsEventNotification } from '../../../lambdas/alert-notifier/core/ops-events';

const rules: ClassificationRules = {
  ownerTags: ['owner'],
  excludeTag: { key: 'audit:keep', value: 'true' },
  markTagKey: 'platform-ops:ebs-audit:delete-after',
};
const now = new Date('2026-11-23T06:00:00Z');

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

const mkVolume = (id: string, account: string, region: string, size: number, tags: Record<string, string> = {}) =>
  classifyVolume(
    { volumeId: id, volumeType: 'gp2', sizeGiB: size, tags, createTime: new Date('2026-01-01T00:00:00Z') },
    { account, region },
    undefined,
    rules,
    now,
  );

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

describe('summary and ops event', () => {
  const volumes = [
    ...Array.from({ length: 12 }, (_, i) => mkVolume(`vol-a${i}`, '111111111111', 'us-east-1', (i + 1) * 100)),
    mkVolume('vol-b1', '222222222222', 'us-east-1', 50, { 'audit:keep': 'true' }),
    mkVolume('vol-b2', '222222222222', 'eu-west-1', 999),
  ];
  const result: AuditResult = {
    runId: 'run-1',
    startedAt: now.toISOString(),
    finishedAt: now.toISOString(),
    auditedScopes: [
      { account: '111111111111', region: 'us-east-1' },
      { account: '222222222222', region: 'us-east-1' },
      { account: '222222222222', region: 'eu-west-1' },
    ],
    volumes,
    notAudited: [
      {
        account: '333333333333',
        region: '*',
        stage: 'assume-role',
        errorCode: 'AccessDenied',
        reason: 'not authorized',
      },
    ],
    warnings: [],
  };

  test('totals, top 10, per account, not-audited', () => {
    const s = summarizeAudit(result);
    // account 1: 100+200+...+1200 GiB gp2 at 0.10 = 780; account 2: 50 GiB = 5 (excluded), 999 GiB eu-west-1 unpriced
    expect(s).toMatchObject({
      volumeCount: 14,
      excludedCount: 1,
      unpricedCount: 1,
      totalSizeGiB: 7800 + 50 + 999,
      totalMonthlyCostUsd: 785,
      reviewableMonthlyCostUsd: 780,
      auditedScopes: 3,
    });
    expect(s.top10.map((t) => t.volumeId)).toEqual([
      'vol-a11',
      'vol-a10',
      'vol-a9',
      'vol-a8',
      'vol-a7',
      'vol-a6',
      'vol-a5',
      'vol-a4',
      'vol-a3',
      'vol-a2',
    ]);
    expect(s.perAccount).toEqual([
      { account: '111111111111', volumes: 12, sizeGiB: 7800, monthlyCostUsd: 780, unpriced: 0 },
      { account: '222222222222', volumes: 2, sizeGiB: 1049, monthlyCostUsd: 5, unpriced: 1 },
    ]);
    expect(s.notAudited).toHaveLength(1);
  });

  test('the ops event validates against the contract and says what was not audited', () => {
    const input = buildAuditOpsEvent(summarizeAudit(result), {
      bucket: 'reports',
      csvKey: 'ebs-audit/2026-11-23/x.csv',
      jsonKey: 'ebs-audit/2026-11-23/x.json',
    });
    const event = buildOpsEvent(input, { account: '111111111111', region: 'eu-west-1', now });
    expect(opsEventSchema.parse(event)).toBeTruthy();
    expect(event.severity).toBe('warning');
    expect(event.summary).toBe(
      '14 unattached EBS volume(s), $785.00/month (+1 unpriced) across 2 account(s); 1 account/region(s) NOT audited' +
        ': 333333333333/* (assume-role: AccessDenied). Report: s3://reports/ebs-audit/2026-11-23/x.csv',
    );
    expect(event.details).toMatchObject({ totalMonthlyCostUsd: 785, notAudited: result.notAudited });
    expect((event.details.top10 as unknown[]).length).toBe(10);
  });

  describe('A4: what reaches Slack (the alert-notifier renders the summary and the first 8 details keys)', () => {
    const gap = (i: number) => ({
      account: String(400000000000 + i),
      region: 'ap-southeast-3',
      stage: 'assume-role' as const,
      errorCode: 'AccessDenied',
      reason: `assume-role: member role missing or its trust policy does not allow the audit role/ExternalId; ${'x'.repeat(300)}`,
    });
    const failed = [
      {
        action: 'delete',
        account: '111111111111',
        region: 'us-east-1',
        volumeId: 'vol-1',
        detail: 'VolumeInUse: in use',
      },
      { action: 'mark', account: '111111111111', region: 'us-east-1', volumeId: 'vol-2', detail: 'AccessDenied: no' },
    ];
    const actions = {
      dryRun: false,
      planned: { mark: 3, unmark: 0, delete: 2 },
      skipped: 0,
      pendingMarks: 0,
      outcomes: { 'mark.done': 2, 'mark.failed': 1, 'delete.done': 1, 'delete.failed': 1 },
      failed,
      report: 'ebs-audit/2026-11-23/x-actions.json',
    };
    const twelveGaps = { ...result, notAudited: Array.from({ length: 12 }, (_, i) => gap(i)) };
    const location = {
      bucket: `platform-ops-ebs-audit-reports-${'b'.repeat(30)}`,
      csvKey: 'ebs-audit/2026-11-23/ebs-audit-20261123T060000Z.csv',
      jsonKey: 'ebs-audit/2026-11-23/ebs-audit-20261123T060000Z.json',
    };

    test('failed actions and the not-audited list are among the first 8 fields Slack shows', () => {
      const event = buildOpsEvent(buildAuditOpsEvent(summarizeAudit(twelveGaps), location, actions), {
        account: '111111111111',
        region: 'eu-west-1',
        now,
      });
      const shown = parseOpsEventNotification(event)
        .fields.slice(0, 8)
        .map((f) => f.label);
      expect(shown).toEqual([
        'failedActions',
        'notAudited',
        'volumeCount',
        'totalMonthlyCostUsd',
        'actions',
        'top10',
        'perAccount',
        'notAuditedOmitted',
      ]);
      expect(event.details.failedActions).toEqual(failed);
      expect(event.severity).toBe('warning');
      expect((event.details.notAudited as { reason: string }[])[0].reason.length).toBeLessThanOrEqual(200);
    });

    test('the summary names the first 5 not-audited scopes, "and N more", and the failed actions, within 500 chars', () => {
      const input = buildAuditOpsEvent(summarizeAudit(twelveGaps), location, actions);
      expect(input.summary.length).toBeLessThanOrEqual(500);
      expect(input.summary).toContain(
        '12 account/region(s) NOT audited: 400000000000/ap-southeast-3 (assume-role: AccessDenied), ' +
          '400000000001/ap-southeast-3 (assume-role: AccessDenied), 400000000002/ap-southeast-3 (assume-role: AccessDenied), ' +
          '400000000003/ap-southeast-3 (assume-role: AccessDenied), 400000000004/ap-southeast-3 (assume-role: AccessDenied)' +
          ' and 7 more; 2 action(s) FAILED (mark 1, delete 1)',
      );
      // The contract's builder does not need to cut it.
      expect(buildOpsEvent(input, { account: '1', region: 'r', now }).summary).toBe(input.summary);
    });

    test('a long report location gives way to the names: the summary points to details.report instead', () => {
      const long = { ...location, csvKey: `${'deep/'.repeat(40)}x.csv` };
      const input = buildAuditOpsEvent(summarizeAudit(twelveGaps), long, actions);
      expect(input.summary.length).toBeLessThanOrEqual(500);
      expect(input.summary).toMatch(
        /^14 unattached EBS volume\(s\).* and 7 more; 2 action\(s\) FAILED \(mark 1, delete 1\)\. Report: see details\.report$/,
      );
    });
  });

  test('no gaps → info', () => {
    const input = buildAuditOpsEvent(summarizeAudit({ ...result, notAudited: [] }), {
      bucket: 'b',
      csvKey: 'k.csv',
      jsonKey: 'k.json',
    });
    expect(input.severity).toBe('info');
  });

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
