/** A tiny GraphQL client, as an integrating vendor would write one. */

export type Call = <T = any>(key: string, query: string, variables?: Record<string, unknown>) => Promise<T>;

export function graphqlClient(graphqlUrl: string): Call {
  return async <T = any>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

export function expectType<T extends { __typename: string }>(value: T, typename: string): T {
  if (value.__typename !== typename) throw new Error(`Expected ${typename}, got ${JSON.stringify(value)}`);
  return value;
}

export const USER_ERROR = '... on UserError { code message field }';
