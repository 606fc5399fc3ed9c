import { describe, expect, it } from 'vitest';
import { BrokerError } from '../core/errors.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('cursors', () => {
  it('round-trip within their scope', () => {
    const key = { pk: 'TENANT#a', sk: 'VM#vm-1' };
    expect(decodeCursor(encodeCursor(key, 'scope-1'), 'scope-1')).toEqual(key);
  });

  it.each([
    ['another scope', encodeCursor({ pk: 'TENANT#a' }, 'scope-1'), 'scope-2'],
    ['garbage', 'not-base64-json', 'scope-1'],
    [
      'non-string key values',
      Buffer.from(JSON.stringify({ k: { pk: 1 }, s: 'x' })).toString('base64url'),
      'scope-1',
    ],
  ])('refuse %s with a field error', (_what, cursor, scope) => {
    const error = (() => {
      try {
        decodeCursor(cursor, scope);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).fieldIssues?.[0]?.field).toBe('query.cursor');
  });
});
