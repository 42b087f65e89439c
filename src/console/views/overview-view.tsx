import { inMemoryNote, settlingNote } from '../../store/queued-event.js';
import { ago, duration } from '../format.js';
import type { LiveStore } from '../live-store.js';

/** The session, the adapters and their channels, the store, notifications and the latest rejects. */
export function OverviewView({ store }: { store: LiveStore }) {
  const status = store.status?.status;
  if (!status) return <p class="muted">Waiting for the gateway's status…</p>;
  const { session, queue, pipeline, sender } = status;
  const onlineFor = session.onlineSince ? (Date.now() - Date.parse(session.onlineSince)) / 1000 : undefined;
  const notifications = Object.entries(status.notifications);
  const rejects = Object.values(pipeline.rejects).reduce((a, b) => a + b, 0);
  return (
    <div class="grid">
      <section class="card" aria-labelledby="session-title">
        <h2 id="session-title">Session</h2>
        <dl>
          <dt>State</dt>
          <dd>
            <span class={`badge state-${session.state}`}>{session.state}</span>
            {session.reason ? ` ${session.reason}` : ''}
          </dd>
          <dt>Endpoint</dt>
          <dd>{session.url}</dd>
          <dt>Client id</dt>
          <dd>{status.gateway.clientId}</dd>
          <dt>Reconnects</dt>
          <dd>{Math.max(0, session.connects - 1)}</dd>
          <dt>Online for</dt>
          <dd>{onlineFor === undefined ? '–' : duration(onlineFor)}</dd>
          <dt>Gateway</dt>
          <dd>
            v{status.version}, up {duration(status.uptimeSeconds)}, {Math.round(status.process.rssBytes / 1048576)} MiB
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="adapters-title">
        <h2 id="adapters-title">Adapters</h2>
        <ul class="plain">
          {status.adapters.map((adapter) => (
            <li key={adapter.name}>
              <strong>{adapter.name}</strong>
              <ul class="plain channels">
                {adapter.channels.map((channel) => (
                  <li key={channel.channel}>
                    <span class={`badge state-${channel.state}`}>{channel.state}</span> {channel.channel}
                    {channel.reason ? <span class="muted"> ({channel.reason})</span> : null}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="store-title">
        <h2 id="store-title">Store</h2>
        <dl>
          <dt>Queued</dt>
          <dd>
            {queue.depth} event(s), {queue.bytes} bytes
            <span class="muted">{settlingNote(queue)}</span>
          </dd>
          <dt>Oldest</dt>
          <dd>{queue.oldestAgeSeconds === undefined ? '–' : duration(queue.oldestAgeSeconds)}</dd>
          <dt>Durable</dt>
          <dd>
            {queue.durable ? (
              'yes'
            ) : (
              // In memory by choice is said plainly; a store that failed is an error.
              <span class={queue.fallbackReason === undefined ? 'muted' : 'error'}>no, {inMemoryNote(queue)}</span>
            )}
          </dd>
          <dt>Counters</dt>
          <dd>
            frames {pipeline.frames}, events {pipeline.events}, published {sender.published}, commands{' '}
            {pipeline.commandsDelivered}, rejects {rejects}
          </dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="notifications-title">
        <h2 id="notifications-title">Notifications</h2>
        {notifications.length === 0 ? (
          <p class="muted">None from the service.</p>
        ) : (
          <ul class="plain">
            {notifications.map(([reason, count]) => (
              <li key={reason}>
                {reason}: {count}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card wide" aria-labelledby="rejects-title">
        <h2 id="rejects-title">Latest rejects</h2>
        {status.recentRejects.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul class="plain rejects">
            {status.recentRejects
              .slice(-10)
              .reverse()
              .map((reject, index) => (
                <li key={`${reject.at}-${index}`}>
                  <span class="muted">{ago(reject.at)}</span> <span class="badge bad">{reject.stage}</span>{' '}
                  {reject.channel ?? (reject.device ? `${reject.device.typeId}/${reject.device.deviceId}` : '')}: {reject.reason}
                </li>
              ))}
          </ul>
        )}
      </section>
    </div>
  );
}
