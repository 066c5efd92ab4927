/**
 * The versioned envelope every bus message travels in: `{v, id, type, from, to, payload}`.
 * A peer that speaks another major version is refused with a clear error, not misread.
 */
import { RelayError } from '../platform/errors.js';
import { isObject } from '../platform/jsonValue.js';
import { decode, encode } from './codec.js';

export const BUS_VERSION = 1;

export interface Envelope<P = unknown> {
  v: number;
  /** Correlates a reply with its request; unique per sender. */
  id: string;
  type: string;
  /** Sender's systemId (`cli:1234`, `daemon`). */
  from: string;
  /** Recipient's systemId (`daemon` for requests). */
  to: string;
  payload: P;
}

export function packEnvelope(env: Envelope): Buffer {
  return encode(env);
}

export function unpackEnvelope(bytes: Uint8Array): Envelope {
  let value: unknown;
  try {
    value = decode(bytes);
  } catch (e) {
    throw new RelayError('E_BUS_PROTOCOL', 'received a frame that is not msgpack', { cause: e });
  }
  if (!isObject(value) || typeof value.type !== 'string' || typeof value.id !== 'string') {
    throw new RelayError('E_BUS_PROTOCOL', 'received a frame that is not a Relay envelope');
  }
  const env = value as Partial<Envelope>;
  if (env.v !== BUS_VERSION) {
    throw new RelayError('E_BUS_PROTOCOL', `peer speaks bus version ${String(env.v)}, this relay speaks ${BUS_VERSION}`, {
      hint: 'restart the daemon so client and daemon are the same version: relay daemon restart',
    });
  }
  return env as Envelope;
}
