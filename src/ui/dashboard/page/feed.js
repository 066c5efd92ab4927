// The page's two ways to the daemon: JSON reads (/api/<name>) and the live event feed (/events,
// server-sent events). The feed resumes from the last event seen: EventSource sends its
// Last-Event-ID on its own reconnects, and when it gives up (the daemon was down long enough
// for a refused connection) a new one is opened with ?since=<last seq>, so no event is lost or
// shown twice across a daemon restart.

export async function read(name) {
  const res = await fetch(`/api/${name}`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Follow the event log. `onEvent(record)` gets each event once, in order; `onState(state)` gets
 * 'live' when connected (after a reconnect too: re-read what may have changed) and
 * 'reconnecting' when the connection is lost.
 */
export function followEvents({ onEvent, onState }) {
  let lastSeq = null;
  let source;
  let retry;
  const open = () => {
    clearTimeout(retry);
    source = new EventSource(lastSeq === null ? '/events' : `/events?since=${lastSeq}`);
    source.onopen = () => onState('live');
    source.onmessage = (m) => {
      const record = JSON.parse(m.data);
      if (lastSeq !== null && record.seq <= lastSeq) return;
      lastSeq = record.seq;
      onEvent(record);
    };
    source.onerror = () => {
      onState('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        retry = setTimeout(open, 1000);
      }
    };
  };
  open();
  return { get lastSeq() { return lastSeq; } };
}
