import { useEffect, useMemo, useState } from 'preact/hooks';
import { followLive, type LiveState, storeToken } from './api.js';
import { LiveStore } from './live-store.js';
import { href, type Page, parseRoute } from './route.js';
import { CommandsView } from './views/commands-view.js';
import { DevicesView } from './views/devices-view.js';
import { FramesView } from './views/frames-view.js';
import { ManagementView } from './views/management-view.js';
import { OverviewView } from './views/overview-view.js';
import { TokenPrompt } from './views/token-prompt.js';

const STATE_TEXT: Record<LiveState, string> = {
  connecting: 'connecting…',
  live: 'live',
  down: 'gateway not answering; retrying',
  token: 'token needed',
};

/** Re-renders at most once per animation frame, however fast the stream changes the store. */
function useStoreVersion(store: LiveStore): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let pending = 0;
    const unsubscribe = store.subscribe(() => {
      pending ||= requestAnimationFrame(() => {
        pending = 0;
        setVersion((v) => v + 1);
      });
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(pending);
    };
  }, [store]);
  return version;
}

function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return useMemo(() => parseRoute(hash), [hash]);
}

/** The web console: a header with the gateway and the connection, the pages, and the token prompt when asked. */
export function App() {
  const store = useMemo(() => new LiveStore(), []);
  const [state, setState] = useState<LiveState>('connecting');
  const [attempt, setAttempt] = useState(0);
  const [submitted, setSubmitted] = useState(false);
  useStoreVersion(store);
  const route = useRoute();
  useEffect(() => followLive(store, setState), [store, attempt]);

  const status = store.status?.status;
  const managed = store.status?.managed;
  const pages: Array<[Page, string]> = [
    ['overview', 'Overview'],
    ['devices', 'Devices'],
    ['frames', 'Frames'],
    ['commands', 'Commands'],
    ...(managed ? ([['management', 'Management']] as Array<[Page, string]>) : []),
  ];
  const onToken = (token: string) => {
    storeToken(token);
    setSubmitted(true);
    setAttempt((n) => n + 1);
  };

  return (
    <>
      <header class="top">
        <div class="title">
          <strong>wiotp-gateway</strong>
          <span class="muted">{status ? ` ${status.gateway.clientId}` : ''}</span>
        </div>
        <output class={`live live-${state}`} aria-live="polite">
          {STATE_TEXT[state]}
        </output>
        <nav aria-label="Pages">
          {pages.map(([page, label]) => (
            <a key={page} class="nav-link" href={href(page)} aria-current={route.page === page ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>
        {state === 'token' ? (
          <TokenPrompt refused={submitted} onToken={onToken} />
        ) : route.page === 'devices' ? (
          <DevicesView store={store} />
        ) : route.page === 'frames' ? (
          <FramesView store={store} params={route.params} />
        ) : route.page === 'commands' ? (
          <CommandsView store={store} params={route.params} />
        ) : route.page === 'management' ? (
          <ManagementView store={store} />
        ) : (
          <OverviewView store={store} />
        )}
      </main>
    </>
  );
}
