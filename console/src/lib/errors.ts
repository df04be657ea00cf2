import type { CombinedError } from 'urql';
import type { UserErrorLike } from '../components/form';

/**
 * A GraphQL error as a UserError, so refusals made at the edge (BAD_USER_INPUT naming its field)
 * land next to their field like the UserErrors of result unions.
 */
export function firstError(error: CombinedError | undefined): UserErrorLike {
  const e = error?.graphQLErrors[0];
  if (e) {
    const field = typeof e.extensions?.field === 'string' ? e.extensions.field : null;
    return { code: String(e.extensions?.code ?? 'ERROR'), message: e.message, field };
  }
  return { code: 'NETWORK', message: error?.networkError ? 'The API could not be reached. Try again.' : 'Something went wrong. Try again.', field: null };
}
