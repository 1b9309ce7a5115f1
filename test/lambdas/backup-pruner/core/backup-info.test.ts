import { parseBackupInfo, parseBarmanTimestamp } from '../../../../lambdas/backup-pruner/core/backup-info';
import { DAY, NOW, backupInfoText, seg } from '../fixtures';

describe('parseBackupInfo', () => {
  it('reads the fields retention needs from a real-shaped file', () => {
    const parsed = parseBackupInfo(
      backupInfoText({ endedDaysAgo: 1 }, { tablespaces: "[('fake_tbs', 16384, '/fake_tmp/tbs')]", error: 'None' }),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.info.status).toBe('DONE');
    expect(parsed.info.beginWal).toBe(seg(1, 1, 2));
    expect(parsed.info.timeline).toBe(1);
    expect(parsed.info.endTime).toEqual(new Date(NOW.getTime() - DAY));
  });

  it.each([
    ['status missing', 'begin_wal=000000010000000000000004\n', /status is missing/],
    ['unknown status', 'status=WEIRD\n', /status "WEIRD" is unknown/],
    ['aws-chunked framing', '5b2\nstatus=DONE\n', /line 1 is not key=value/],
    [
      'DONE without end_time',
      'status=DONE\nbegin_wal=000000010000000000000004\nend_wal=000000010000000000000004\n',
      /end_time is missing/,
    ],
    [
      'bad WAL name',
      `status=DONE\nend_time=2025-01-01 00:00:00+00:00\nbegin_wal=0/4000028\nend_wal=000000010000000000000004\n`,
      /begin_wal "0\/4000028" is not a WAL segment name/,
    ],
    ['timestamp without offset', 'status=FAILED\nend_time=2025-01-01 00:00:00\n', /not a timestamp with a UTC offset/],
    ['impossible date', 'status=FAILED\nend_time=2025-02-31 00:00:00+00:00\n', /not a timestamp/],
    ['hour 25', 'status=FAILED\nend_time=2025-01-01 25:00:00+00:00\n', /not a timestamp/],
    ['minute and second 61', 'status=FAILED\nend_time=2025-01-01 23:61:61+00:00\n', /not a timestamp/],
    ['offset +99:99', 'status=FAILED\nend_time=2025-01-01 00:00:00+99:99\n', /not a timestamp/],
    ['offset +24:00', 'status=FAILED\nend_time=2025-01-01 00:00:00+24:00\n', /not a timestamp/],
    ['offset minutes 60', 'status=FAILED\nend_time=2025-01-01 00:00:00-0060\n', /not a timestamp/],
    ['month 13', 'status=FAILED\nbegin_time=2025-13-01 00:00:00+00:00\n', /begin_time .* not a timestamp/],
    ['duplicate field', 'status=DONE\nstatus=FAILED\n', /appears twice/],
    ['binary', 'status=DONE\u0000\n', /NUL/],
  ])('rejects %s', (_name, text, error) => {
    const parsed = parseBackupInfo(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });

  it.each([
    ['2014-12-22 09:25:22.561207+01:00', '2014-12-22T08:25:22.561Z'],
    ['2025-06-09 17:17:03.555743+00:00', '2025-06-09T17:17:03.555Z'],
    ['2025-06-09 17:17:03-0530', '2025-06-09T22:47:03.000Z'],
    ['2025-06-09T17:17:03Z', '2025-06-09T17:17:03.000Z'],
  ])('parses the timestamp %s', (text, iso) => {
    expect(parseBarmanTimestamp(text)?.toISOString()).toBe(iso);
  });
});
