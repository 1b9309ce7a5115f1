import { classifyCnpg } from '../../../../lambdas/alert-notifier/core/cnpg';
import type { InboundMessage, Notification } from '../../../../lambdas/alert-notifier/types';
import { parseInbound } from '../../../../lambdas/alert-notifier/core/parse';
import { fixtureText, ROUTES_CONFIG, snsMessage } from '../../../doubles/alert-notifier-events';

const field = (n: Notification, label: string) => n.fields.find((f) => f.label === label)?.value;
const parse = (m: InboundMessage) => classifyCnpg(parseInbound(m), ROUTES_CONFIG.runbooks);

describe("parseInbound: the suite's ops events", () => {
  it('ops event from the suite: severity, summary, details, source/kind tags; a prune outcome is not a CNPG signal', () => {
    const n = parse(snsMessage(fixtureText('ops-event.json')));
    expect(n).toMatchObject({
      kind: 'ops-event',
      name: 'backup-pruner: prune-refused',
      state: 'WARNING',
      severity: 'warning',
      description: 'backup-pruner: 3 target(s); 0 of 0 planned object(s) deleted; refused: orders-db',
      tags: { source: 'backup-pruner', kind: 'prune-refused' },
    });
    expect(field(n, 'objectsToDelete')).toBe('0');
    expect(n.cnpg).toBeUndefined();
  });
});
