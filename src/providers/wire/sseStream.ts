/**
 * Server-sent events out of an HTTP body, framed by eventsource-parser (CRLF, CR or LF line
 * ends, events split anywhere across chunks, multi-line `data:` joined with `\n`, comments such
 * as OpenRouter's `: keep-alive` dropped). UTF-8 is decoded across chunk boundaries too, so a
 * character split between two chunks arrives whole.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One event: its `event:` name when the server gave one (Anthropic does), and its data. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * The events of `body`, in order. An event the stream did not finish (no blank line before
 * the end) is dropped, as the SSE standard says: a cut stream shows as a missing terminator.
 */
export async function* sseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent, void, undefined> {
  const ready: SseEvent[] = [];
  const parser = createParser({
    onEvent(m: EventSourceMessage) {
      ready.push(m.event === undefined ? { data: m.data } : { event: m.event, data: m.data });
    },
  });
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (ready.length > 0) yield* ready.splice(0);
  }
  parser.feed(decoder.decode());
  yield* ready.splice(0);
}
