import { composeDigest, DigestItem, digestWindowEnd, groupDigest, nextDigestAt } from './notification-digest';

const MINUTES_15 = 15 * 60_000;
const at = (iso: string) => new Date(iso);

function item(kind: DigestItem['kind'], title: string, createdAt: string): DigestItem {
  return { kind, title, body: `${title} body`, createdAt: at(createdAt) };
}

describe('digest windows', () => {
  it('end at the next multiple of the window; an instant on a boundary is its own window’s end', () => {
    expect(digestWindowEnd(at('2026-12-03T12:01:00Z'), MINUTES_15)).toEqual(at('2026-12-03T12:15:00Z'));
    expect(digestWindowEnd(at('2026-12-03T12:14:59.999Z'), MINUTES_15)).toEqual(at('2026-12-03T12:15:00Z'));
    expect(digestWindowEnd(at('2026-12-03T12:15:00Z'), MINUTES_15)).toEqual(at('2026-12-03T12:15:00Z'));
  });

  it('never schedule a digest sooner than one window after the last mail', () => {
    expect(nextDigestAt(at('2026-12-03T12:01:00Z'), null, MINUTES_15)).toEqual(at('2026-12-03T12:15:00Z'));
    // Mailed at 12:14:00: the 12:15 window end is too soon, the next is 12:29:00.
    expect(nextDigestAt(at('2026-12-03T12:14:30Z'), at('2026-12-03T12:14:00Z'), MINUTES_15)).toEqual(at('2026-12-03T12:29:00Z'));
    expect(nextDigestAt(at('2026-12-03T13:01:00Z'), at('2026-12-03T12:14:00Z'), MINUTES_15)).toEqual(at('2026-12-03T13:15:00Z'));
  });
});

describe('digest grouping', () => {
  it('groups by kind in the kinds’ order, oldest first within a kind', () => {
    const groups = groupDigest([
      item('broadcast', 'News', '2026-12-03T12:00:03Z'),
      item('dividend-paid', 'Dividend b', '2026-12-03T12:00:02Z'),
      item('market-resolved', 'Market', '2026-12-03T12:00:04Z'),
      item('dividend-paid', 'Dividend a', '2026-12-03T12:00:01Z'),
    ]);
    expect(groups.map((group) => [group.kind, group.items.map((entry) => entry.title)])).toEqual([
      ['market-resolved', ['Market']],
      ['dividend-paid', ['Dividend a', 'Dividend b']],
      ['broadcast', ['News']],
    ]);
  });

  it('puts every notification in exactly one group', () => {
    const kinds: DigestItem['kind'][] = ['round-payout', 'perp-trigger', 'withdrawal-failed', 'round-payout', 'broadcast', 'perp-trigger', 'withdrawal-completed'];
    const items = kinds.map((kind, index) => item(kind, `n${index}`, new Date(Date.UTC(2026, 11, 3, 12, 0, index)).toISOString()));
    const titles = groupDigest(items).flatMap((group) => group.items.map((entry) => entry.title));
    expect([...titles].sort()).toEqual(items.map((entry) => entry.title).sort());
  });

  it('a single notification is the subject; several are counted, with one section per kind', () => {
    expect(composeDigest([item('withdrawal-completed', 'Withdrawal completed', '2026-12-03T12:00:00Z')], 'http://app').subject).toBe('Cash Markets: Withdrawal completed');
    const mail = composeDigest(
      [item('dividend-paid', 'Dividend paid', '2026-12-03T12:00:00Z'), item('round-payout', 'Round #4 settled', '2026-12-03T12:00:01Z'), item('dividend-paid', 'Dividend paid', '2026-12-03T12:00:02Z')],
      'http://app',
    );
    expect(mail.subject).toBe('Cash Markets: 3 new notifications');
    expect(mail.text).toContain('Dividends (2)\n- Dividend paid\n  Dividend paid body\n- Dividend paid');
    expect(mail.text).toContain('Rounds (1)\n- Round #4 settled');
    expect(mail.text.indexOf('Dividends')).toBeLessThan(mail.text.indexOf('Rounds'));
    expect(mail.text).toContain('http://app');
  });

  it('refuses an empty digest', () => {
    expect(() => composeDigest([], 'http://app')).toThrow(/at least one/);
  });
});
