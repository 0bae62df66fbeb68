/** The comment period of a round, compared on the server clock. */
export type RoundStatus = 'upcoming' | 'open' | 'closed';

export function roundStatus(round: { opensAt: Date; closesAt: Date }, now: Date = new Date()): RoundStatus {
  if (now < round.opensAt) return 'upcoming';
  if (now >= round.closesAt) return 'closed';
  return 'open';
}
