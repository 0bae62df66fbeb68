/** The person behind a request, as the pages, actions and API routes see them. */
export type Role = 'citizen' | 'deputy' | 'staff' | 'admin';

export interface SessionUser {
  id: string;
  role: Role;
  name: string | null;
  email: string | null;
  phone: string | null;
  district: string | null;
  occupation: string | null;
  /** How this request was authenticated. */
  via: 'session' | 'token';
}
