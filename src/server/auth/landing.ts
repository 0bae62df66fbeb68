/**
 * Where a person lands after signing in when no `next` was asked for: staff and admins at their
 * work (/staff), deputies at their station's comments (/deputy), citizens at their account.
 */
import type { Role } from './session-user';

const landings: Record<Role, string> = {
  citizen: '/account',
  deputy: '/deputy',
  staff: '/staff',
  admin: '/staff',
};

export function landingPath(role: Role): string {
  return landings[role] ?? '/account';
}
