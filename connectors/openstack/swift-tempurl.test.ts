import { describe, expect, it } from 'vitest';
import { accountOf, signTempUrl, tempUrlSignature } from './swift-tempurl.ts';

/**
 * Known vectors computed independently of this code, with Python's hmac module and with OpenSSL:
 *   printf 'GET\n1700000000\n/v1/AUTH_abc123/bucket-1/dir/object name.txt' | openssl dgst -sha256 -hmac hcb-test-key
 */
const KEY = 'hcb-test-key';
const PATH = '/v1/AUTH_abc123/bucket-1/dir/object name.txt';
const GET_SIG = '2c322cec210be6efb3e1add67a53b142901ee66e07633686c13740e3cea5d26f';
const PUT_SIG = '1427e76b74a988c0a349645ebcec67bd8b0e5bf9b6fd2733af727c6f7e59b07a';

describe('Swift TempURL (HMAC-SHA256)', () => {
  it('matches the independently computed signatures', () => {
    expect(tempUrlSignature('GET', 1700000000, PATH, KEY)).toBe(GET_SIG);
    expect(tempUrlSignature('PUT', 1700000000, PATH, KEY)).toBe(PUT_SIG);
  });

  it('signs the decoded path and puts the encoded one in the URL', () => {
    const url = new URL(
      signTempUrl({
        storageUrl: 'http://127.0.0.1:8080/v1/AUTH_abc123',
        container: 'bucket-1',
        object: 'dir/object name.txt',
        method: 'GET',
        expires: 1700000000,
        key: KEY,
      }),
    );
    expect(url.pathname).toBe('/v1/AUTH_abc123/bucket-1/dir/object%20name.txt');
    expect(url.searchParams.get('temp_url_sig')).toBe(GET_SIG);
    expect(url.searchParams.get('temp_url_expires')).toBe('1700000000');
  });

  it('binds the method: a PUT link is not a GET link', () => {
    expect(GET_SIG).not.toBe(PUT_SIG);
  });

  it('finds the account after /v1 even behind a path prefix', () => {
    expect(accountOf('/v1/AUTH_abc123')).toBe('AUTH_abc123');
    expect(accountOf('/swift/v1/AUTH_abc123/')).toBe('AUTH_abc123');
    expect(() => accountOf('/object-store')).toThrow();
  });
});
