import { buildOpsEvent, opsEventSchema } from '../../../lambdas/shared/ops-event';
import { summarizeAudit } from '../../../lambdas/ebs-audit/core/summary';
import { buildAuditOpsEvent } from '../../../lambdas/ebs-audit/event';
import { parseOpsEventNotification } from '../../../lambdas/alert-notifier/core/ops-events';
import { mkVolume, now, sampleResult as result } from '../../doubles/ebs-audit-results';

describe('ops event', () => {
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
});

test('hardening 10: tag values and error texts in the event are one printable line (no controls, no bidi overrides)', () => {
  const evil = mkVolume('vol-evil', '111111111111', 'us-east-1', 5000, {
    Name: 'evil\u202egpj.exe\u0007\n<!channel>',
    owner: 'a\u001b[31m\ud800b',
  });
  const input = buildAuditOpsEvent(
    summarizeAudit({
      ...result,
      volumes: [...result.volumes, evil],
      notAudited: [{ ...result.notAudited[0], errorCode: 'Bad\u202eCode', reason: 'denied\u0000\u202e' }],
    }),
    { bucket: 'b', csvKey: 'k.csv', jsonKey: 'k.json' },
  );
  const text = JSON.stringify(input);
  expect(text).not.toMatch(/\\u0000|\\u0007|\\u001b|\\ud800|\u202e|\\n/);
  const top = (input.details as { top10: { volumeId: string; name: string; owner: string }[] }).top10[0];
  expect(top).toMatchObject({ volumeId: 'vol-evil', name: 'evil gpj.exe  <!channel>', owner: 'a [31m b' });
});
