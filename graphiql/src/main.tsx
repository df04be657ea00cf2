/**
 * GraphiQL for Burst Exchange (issue 16): everything it needs is bundled and served by the API,
 * with no request to any other origin and no web fonts. An API key field above the IDE sets
 * `Authorization: Bearer` for every request; the README's examples are preloaded as tabs.
 */
import { StrictMode, useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import readme from '../../README.md?raw';
import { examplesFrom } from './examples';
import { watchAccessibility } from './accessibility';
import { createFetcher } from './fetcher';
import './page.css';

const tabs = examplesFrom(readme);

function App() {
  const [draft, setDraft] = useState('');
  const [apiKey, setApiKey] = useState('');
  const fetcher = useMemo(() => createFetcher(apiKey), [apiKey]);
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setApiKey(draft.trim());
  };
  return (
    <div className="bx-page">
      <form className="bx-key" onSubmit={apply} aria-label="Authentication">
        <strong>Burst Exchange</strong>
        <label htmlFor="bx-api-key">API key</label>
        <input
          id="bx-api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="bx_… (sent as Authorization: Bearer)"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Use key</button>
        <span role="status" className="bx-key-status">
          {apiKey ? `Using key ${apiKey.slice(0, 11)}…` : 'No key: signed-in console session, if any'}
        </span>
        <a href="/console/">Console</a>
      </form>
      <div className="bx-ide">
        <GraphiQL forcedTheme="light" fetcher={fetcher as never} defaultTabs={tabs} defaultEditorToolsVisibility="variables" isHeadersEditorEnabled />
      </div>
    </div>
  );
}

const root = document.getElementById('root')!;
watchAccessibility(root);
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
