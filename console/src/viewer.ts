import { createContext, useContext } from 'react';
import type { MeQuery } from './gql/graphql';

export type Viewer = MeQuery['me'];

export const ViewerContext = createContext<Viewer | null>(null);

/** Who is signed in: role and organisation, from `me`. */
export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error('useViewer outside the signed-in console');
  return viewer;
}
