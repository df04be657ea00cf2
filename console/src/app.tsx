import { useEffect, useMemo, useRef, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { graphql } from './gql';
import { createApiClient, endSession } from './lib/api';
import { navigate, useLocation } from './lib/router';
import { ErrorState, Loading } from './components/states';
import { Layout } from './layout';
import { Routes } from './routes';
import { SignIn } from './screens/sign-in';
import { ViewerContext } from './viewer';

const Me = graphql(`
  query Me {
    me {
      role
      apiKey {
        id
        prefix
        label
      }
      organization {
        id
        name
        kind
        vendorType
        sandboxId
      }
    }
  }
`);

const ENDED = 'Your session has ended: you signed out, it expired, or its API key was revoked. Sign in again to continue.';

/**
 * The console: a sign-in screen until a session cookie exists, then the screens of the key's
 * role. Any 401 (a revoked key, an expired or ended session) brings the sign-in screen back.
 */
export function App() {
  const path = useLocation();
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [signedOut, setSignedOut] = useState(false);
  const hadSession = useRef(false);
  const api = useMemo(
    () =>
      createApiClient(() => {
        setSignedOut(true);
        setNotice(hadSession.current ? ENDED : null);
      }),
    [generation],
  );
  useEffect(() => () => api.close(), [api]);
  // A signed-out console holds no socket: its subscriptions end with the session.
  useEffect(() => {
    if (signedOut) api.close();
  }, [signedOut, api]);

  const onSignedIn = () => {
    setNotice(null);
    setSignedOut(false);
    setGeneration((g) => g + 1);
    navigate('/', { replace: true });
  };
  const onSignOut = async () => {
    await endSession();
    hadSession.current = false;
    setSignedOut(true);
    setNotice('You have signed out.');
    navigate('/sign-in', { replace: true });
  };

  if (signedOut || path.startsWith('/sign-in')) return <SignIn notice={notice} onSignedIn={onSignedIn} />;
  return (
    <Provider value={api.client}>
      <SignedIn onSignOut={onSignOut} onViewer={() => (hadSession.current = true)} />
    </Provider>
  );
}

function SignedIn({ onSignOut, onViewer }: { onSignOut: () => void; onViewer: () => void }) {
  const [me, refetch] = useQuery({ query: Me, requestPolicy: 'network-only' });
  const viewer = me.data?.me;
  useEffect(() => {
    if (viewer) onViewer();
  }, [viewer, onViewer]);
  if (me.error && !viewer) return <ErrorState error={me.error} retry={() => refetch()} />;
  if (!viewer) return <Loading what="Signing in" />;
  return (
    <ViewerContext.Provider value={viewer}>
      <Layout onSignOut={onSignOut}>
        <Routes />
      </Layout>
    </ViewerContext.Provider>
  );
}
