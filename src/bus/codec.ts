/**
 * The one msgpackr configuration every socket uses. Records (msgpackr's shared structures) are
 * off: peers are separate processes of possibly different versions and share no structure table.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

export function decode(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
