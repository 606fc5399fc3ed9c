import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../core/errors.ts';
import { CursorCodec, listScope } from './cursor.ts';

const codec = new CursorCodec(Buffer.alloc(32, 1));
const key = { pk: 'TENANT#a', sk: 'VM#vm-1' };
const scope = listScope('VM', 'a', { status: 'active' });

function refusal(run: () => unknown): BrokerError {
  try {
    run();
  } catch (error) {
    return error as BrokerError;
  }
  throw new Error('accepted');
}

describe('cursors', () => {
  it('round-trip within their scope', () => {
    expect(codec.decode(codec.encode(key, scope), scope)).toEqual(key);
  });

  it('bind the filter whatever order its keys were given in', () => {
    expect(listScope('VM', 'a', { a: '1', b: '2', c: undefined })).toBe(
      listScope('VM', 'a', { b: '2', a: '1' }),
    );
  });

  const issued = codec.encode(key, scope);
  const [payload, mac] = issued.split('.') as [string, string];
  const rewritten = Buffer.from(JSON.stringify({ pk: 'TENANT#b', sk: 'VM#vm-1' })).toString('base64url');
  const resignedWithoutSecret = createHmac('sha256', '')
    .update(scope)
    .update('\0')
    .update(rewritten)
    .digest('base64url');

  it.each([
    ['garbage', 'not-a-cursor', scope],
    ['an empty string', '', scope],
    ['a rewritten key under the old signature', `${rewritten}.${mac}`, scope],
    ['a rewritten key signed with a guessed key', `${rewritten}.${resignedWithoutSecret}`, scope],
    ['a truncated signature', `${payload}.${mac.slice(0, 10)}`, scope],
    ['an extra part', `${issued}.x`, scope],
    ['another tenant', issued, listScope('VM', 'b', { status: 'active' })],
    ['another list', issued, listScope('VOL', 'a', { status: 'active' })],
    ['another filter', issued, listScope('VM', 'a', {})],
    ['another secret', new CursorCodec(Buffer.alloc(32, 2)).encode(key, scope), scope],
  ])('refuse %s as cursor.invalid naming query.cursor', (_what, cursor, where) => {
    const error = refusal(() => codec.decode(cursor, where));
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.code).toBe('cursor.invalid');
    expect(error.fieldIssues?.[0]?.field).toBe('query.cursor');
  });

  it('refuse a short secret', () => {
    expect(() => new CursorCodec(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});
