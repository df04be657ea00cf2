import { useEffect, useRef, useState, type FormEvent } from 'react';
import { startSession } from '../lib/api';
import { useTitle } from '../lib/router';
import { FormError, TextField } from '../components/form';
import { Loading } from '../components/states';

/**
 * Sign-in: paste an API key (it goes to the API once, over POST, and is forgotten: the browser
 * keeps only the HttpOnly session cookie), or open a one-time sign-in link, whose token travels
 * in the URL fragment (never sent to a server or a log) and is removed from the address bar at once.
 */
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: () => void }) {
  useTitle('Sign in');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const linkTried = useRef(false);

  useEffect(() => {
    const token = new URLSearchParams(location.hash.slice(1)).get('link');
    if (!token || linkTried.current) return;
    linkTried.current = true;
    history.replaceState(null, '', '/console/sign-in');
    setBusy(true);
    void startSession({ link: token }).then((failure) => {
      setBusy(false);
      if (failure) setError(failure);
      else onSignedIn();
    });
  }, [onSignedIn]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!key.trim()) return setError('Paste your API key.');
    setBusy(true);
    const failure = await startSession({ apiKey: key.trim() });
    setKey('');
    setBusy(false);
    if (failure) setError(failure);
    else onSignedIn();
  };

  return (
    <main id="main" className="sign-in">
      <h1>Burst Exchange console</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {busy ? (
        <Loading what="Signing in" />
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            label="API key"
            hint="Your key is exchanged for a session and not kept by this browser. Or open a sign-in link."
            type="password"
            autoComplete="off"
            spellCheck={false}
            name="apiKey"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            error={error ?? undefined}
          />
          <FormError error={null} />
          <button type="submit">Sign in</button>
        </form>
      )}
    </main>
  );
}
