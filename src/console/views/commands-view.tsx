import { useEffect, useState } from 'preact/hooks';
import type { CommandResponse, CommandRule, ConsoleDevice } from '../../http/console-api.js';
import { api } from '../api.js';
import { checkForm, type FormValues, inputFor } from '../command-form.js';
import { clock } from '../format.js';
import { spacedHex } from '../hex.js';
import type { LiveStore } from '../live-store.js';

/** A command's outcome in place: what was written, or why nothing was. */
function Outcome({ result }: { result: CommandResponse | undefined }) {
  if (!result) return null;
  return result.ok ? (
    <p class="outcome ok" data-outcome="written">
      {result.dryRun ? 'Would write' : 'Written'}: <code>{spacedHex(result.hex)}</code>
    </p>
  ) : (
    <p class="outcome bad" data-outcome="refused">
      Refused: {result.reason}
    </p>
  );
}

/** The form for one declared command: one input per param, checked as one types, previewed, then sent. */
function CommandForm({ device, rule }: { device: ConsoleDevice; rule: CommandRule }) {
  const [values, setValues] = useState<FormValues>({});
  const [preview, setPreview] = useState<CommandResponse | undefined>(undefined);
  const [result, setResult] = useState<CommandResponse | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const check = checkForm(rule, values);
  const valid = Object.keys(check.errors).length === 0;
  const request = { typeId: device.typeId, deviceId: device.deviceId, commandId: rule.commandId, params: check.params };
  const body = JSON.stringify(request);

  // The gateway's own encoder shows the bytes the device would get (and what the form cannot check).
  useEffect(() => {
    if (!valid) return setPreview(undefined);
    const timer = window.setTimeout(() => {
      api<CommandResponse>('/api/console/commands', post({ ...request, dryRun: true }))
        .then(setPreview)
        .catch(() => setPreview(undefined));
    }, 200);
    return () => window.clearTimeout(timer);
  }, [body, valid]);

  const send = async () => {
    setSending(true);
    try {
      setResult(await api<CommandResponse>('/api/console/commands', post(request)));
    } catch (error) {
      setResult({ ok: false, reason: (error as Error).message });
    } finally {
      setSending(false);
    }
  };
  const set = (name: string, value: string | boolean) => {
    setValues({ ...values, [name]: value });
    setResult(undefined);
  };

  return (
    <form
      class="card command"
      aria-label={`command ${rule.commandId}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (valid && !sending) void send();
      }}
    >
      <h2>{rule.commandId}</h2>
      <p class="muted">
        {rule.encode.kind} encoding{rule.encode.kind === 'template' ? `: ${rule.encode.text}` : ''}
        {rule.framed ? ', framed' : ''}
      </p>
      {Object.keys(rule.params).length === 0 && <p class="muted">No params.</p>}
      {Object.entries(rule.params).map(([name, spec]) => {
        const input = inputFor(rule, name, spec);
        const id = `${rule.commandId}-${name}`;
        const error = values[name] === undefined && spec.required && input.kind !== 'checkbox' ? undefined : check.errors[name];
        const described = `${id}-note`;
        const value = values[name];
        return (
          <div class="field" key={name}>
            <label for={id}>
              {name}{' '}
              <span class="muted">
                ({spec.type}
                {spec.required ? '' : ', optional'})
              </span>
            </label>
            {input.kind === 'checkbox' ? (
              <input id={id} type="checkbox" checked={value === true} onChange={(e) => set(name, e.currentTarget.checked)} />
            ) : input.kind === 'select' ? (
              <select
                id={id}
                value={String(value ?? '')}
                onChange={(e) => set(name, e.currentTarget.value)}
                aria-describedby={described}
              >
                {!spec.required || value === undefined ? (
                  <option value="">{spec.required ? 'choose…' : '(leave out)'}</option>
                ) : null}
                {input.options
                  .filter((option) => option !== '')
                  .map((option) => (
                    <option key={option} value={option}>
                      {option}
                    </option>
                  ))}
              </select>
            ) : input.kind === 'number' ? (
              <input
                id={id}
                type="number"
                inputMode="decimal"
                step={input.step}
                min={input.min}
                max={input.max}
                value={String(value ?? '')}
                aria-invalid={error ? true : undefined}
                aria-describedby={described}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            ) : (
              <input
                id={id}
                type="text"
                value={String(value ?? '')}
                aria-invalid={error ? true : undefined}
                aria-describedby={described}
                onInput={(e) => set(name, e.currentTarget.value)}
              />
            )}
            <small id={described} class={error ? 'error' : 'muted'}>
              {error ??
                [
                  spec.min !== undefined || spec.max !== undefined ? `${spec.min ?? '-∞'}…${spec.max ?? '∞'}` : '',
                  input.kind === 'text' ? (input.hint ?? `at most ${input.maxLength} characters`) : '',
                ]
                  .filter(Boolean)
                  .join('; ')}
            </small>
          </div>
        );
      })}
      {valid && preview && !result && (
        <p class="muted preview">
          {preview.ok ? (
            <>
              Bytes: <code>{spacedHex(preview.hex)}</code>
            </>
          ) : (
            <span class="error">{preview.reason}</span>
          )}
        </p>
      )}
      <button type="submit" disabled={!valid || sending}>
        {sending ? 'Sending…' : `Send ${rule.commandId}`}
      </button>
      <output aria-live="polite">
        <Outcome result={result} />
      </output>
    </form>
  );
}

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** Commands: pick a device; a form per command its profile declares; the latest commands of every origin. */
export function CommandsView({ store, params }: { store: LiveStore; params: URLSearchParams }) {
  const [devices, setDevices] = useState<ConsoleDevice[] | undefined>(undefined);
  const [selected, setSelected] = useState(params.get('device') ?? '');
  const known = store.status?.status.devices.length ?? 0;
  useEffect(() => {
    api<ConsoleDevice[]>('/api/console/devices')
      .then(setDevices)
      .catch(() => setDevices([]));
  }, [known]);
  const withCommands = (devices ?? []).filter((device) => device.commands.length > 0);
  const device = withCommands.find((candidate) => candidate.key === selected);
  return (
    <section aria-labelledby="commands-title">
      <h1 id="commands-title" class="visually-hidden">
        Commands
      </h1>
      <div class="toolbar">
        <label>
          Device{' '}
          <select value={device ? selected : ''} onChange={(event) => setSelected(event.currentTarget.value)}>
            <option value="">choose a device…</option>
            {withCommands.map((candidate) => (
              <option key={candidate.key} value={candidate.key}>
                {candidate.key} ({candidate.profile})
              </option>
            ))}
          </select>
        </label>
      </div>
      {devices && withCommands.length === 0 && <p class="muted">No device seen so far declares commands.</p>}
      {device && (
        <div class="grid">
          {device.commands.map((rule) => (
            <CommandForm key={`${device.key}/${rule.commandId}`} device={device} rule={rule} />
          ))}
        </div>
      )}
      <section class="card wide" aria-labelledby="recent-commands">
        <h2 id="recent-commands">Latest commands</h2>
        {store.commands.length === 0 ? (
          <p class="muted">None since this page opened.</p>
        ) : (
          <ul class="plain">
            {store.commands
              .slice()
              .reverse()
              .map((command, index) => (
                <li key={`${command.at}-${index}`}>
                  <span class="muted">{clock(command.at)}</span> <span class="badge">{command.origin}</span> {command.device}{' '}
                  {command.commandId}:{' '}
                  {command.hex !== undefined ? (
                    <code>{spacedHex(command.hex)}</code>
                  ) : (
                    <span class="error">{command.refused}</span>
                  )}
                </li>
              ))}
          </ul>
        )}
      </section>
    </section>
  );
}
