import { useState } from 'preact/hooks';

/** Asks once for the gateway's http.token; it is kept for this tab only and never shown. */
export function TokenPrompt(props: { refused: boolean; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <section class="card token" aria-labelledby="token-title">
      <h1 id="token-title">Token needed</h1>
      <p>
        This gateway asks for its HTTP token (<code>http.token</code> or <code>http.tokenFile</code> in its config). It is kept in
        this browser tab only.
      </p>
      {props.refused && (
        <p class="error" role="alert">
          The gateway refused that token.
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token) props.onToken(token);
        }}
      >
        <label for="token">HTTP token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <button type="submit">Connect</button>
      </form>
    </section>
  );
}
