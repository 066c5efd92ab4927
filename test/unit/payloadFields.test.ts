/**
 * hooks/payloadFields.ts: a shape reads its fields typed, or the first field that is wrong, in the
 * shape's order, with its dotted path; fields the shape does not name are never looked at.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fields, Invalid, nullish, optional, type CustomField } from '../../src/hooks/payloadFields.js';

const SHAPE = {
  id: 'string',
  note: 'string|null?',
  count: 'number?',
  items: 'array',
  status: { type: 'string', next: 'number|null?' },
  error: optional({ name: 'string?' }),
  info: nullish({ cwd: 'string?' }),
  headers: 'object?',
} as const;

function read(value: unknown): unknown {
  const f = Fields.of(value);
  if (f instanceof Invalid) return f.reason;
  const r = f.read(SHAPE);
  return r instanceof Invalid ? r.reason : r;
}

const valid = { id: 'a', items: [], status: { type: 'retry' }, extra: { anything: [null] } };

test('a valid object reads as its fields, missing optional ones undefined', () => {
  const r = read(valid) as Record<string, unknown>;
  assert.deepEqual({ ...r, headers: undefined }, {
    id: 'a',
    note: undefined,
    count: undefined,
    items: [],
    status: { type: 'retry', next: undefined },
    error: undefined,
    info: undefined,
    headers: undefined,
  });
  const withHeaders = Fields.of({ ...valid, headers: { a: 'b' }, info: null });
  assert.ok(!(withHeaders instanceof Invalid));
  const h = withHeaders.read(SHAPE);
  assert.ok(!(h instanceof Invalid));
  assert.deepEqual(h.headers?.record, { a: 'b' });
  assert.equal(h.headers?.where, 'headers');
  assert.equal(h.info, undefined, 'null reads as missing for a nullish object');
});

test('the first wrong field, in the shape order, is the reason, with its path', () => {
  assert.equal(read([]), 'payload: expected an object, received array');
  assert.equal(read({ ...valid, id: 1, count: 'x' }), 'id: expected a string, received number');
  assert.equal(read({ ...valid, note: 2 }), 'note: expected a string or null, received number');
  assert.equal(read({ ...valid, count: null }), 'count: expected a number, received null');
  assert.equal(read({ ...valid, count: Infinity }), 'count: expected a number, received Infinity');
  assert.equal(read({ ...valid, items: {} }), 'items: expected an array, received object');
  assert.equal(read({ ...valid, status: undefined }), 'status: expected an object, received undefined');
  assert.equal(read({ ...valid, status: { next: 'soon' } }), 'status.type: expected a string, received undefined');
  assert.equal(read({ ...valid, status: { type: 't', next: 'soon' } }), 'status.next: expected a number or null, received string');
  assert.equal(read({ ...valid, error: null }), 'error: expected an object, received null');
  assert.equal(read({ ...valid, error: { name: 3 } }), 'error.name: expected a string, received number');
  assert.equal(read({ ...valid, info: { cwd: [] } }), 'info.cwd: expected a string, received array');
  assert.equal(read({ ...valid, headers: 'h' }), 'headers: expected an object, received string');
});

test('a custom field gets its value and path', () => {
  const seen: [unknown, string][] = [];
  const even: CustomField<number> = (v, path) => {
    seen.push([v, path]);
    return typeof v === 'number' && v % 2 === 0 ? v : new Invalid(`${path}: not even`);
  };
  const f = Fields.of({ inner: { n: 3 } });
  assert.ok(!(f instanceof Invalid));
  const r = f.read({ inner: { n: even } });
  assert.ok(r instanceof Invalid);
  assert.equal(r.reason, 'inner.n: not even');
  assert.deepEqual(seen, [[3, 'inner.n']]);
});
