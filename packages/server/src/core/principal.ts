export type AuthScheme = 'threatconnect-hmac' | 'threatconnect-token' | 'websupport-hmac' | 'contrast-key' | 'http-basic';

/** Who is calling, as every surface and the core see it. */
export interface Principal {
  userId: number;
  userUuid: string;
  userName: string;
  kind: 'human' | 'api';
  role: string;
  firstName: string;
  lastName: string;
  pseudonym: string;
  displayName: string;
  createdAt: string;
  organizationId: number;
  organizationName: string;
  organizationUuid: string;
  /** The organization and the communities it is a member of. */
  visibleOwnerIds: ReadonlySet<number>;
  /** The same owners, by id order (cached with the credential: a membership change bumps the epoch). */
  visibleOwners: readonly { id: number; name: string; type: 'Organization' | 'Community' | 'Source'; uuid: string }[];
  scheme: AuthScheme;
}
