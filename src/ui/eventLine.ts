/** One event as one terminal line: `#seq time type actor key=value …`. */
import type { EventRecord } from '../protocol/eventRecord.js';

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? 'undefined';
}

export function formatEventLine(e: EventRecord): string {
  const time = new Date(e.at).toISOString().slice(11, 23);
  const fields = Object.entries(e.payload)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  return `#${e.seq} ${time} ${e.type} ${e.actor}${fields ? ` ${fields}` : ''}`;
}
