import { generateKey } from '../../../../lambdas/secret-rotator/core/material';
import { redact, redactDeep } from '../../../../lambdas/secret-rotator/core/redact';

describe('redact', () => {
  it('removes PEM private keys of every kind, even cut off, and long base64 runs', async () => {
    const key = await generateKey('ecdsa-p256');
    const body = key.privateKeyPem.split('\n').slice(1, -2).join('');
    const text = `a ${key.privateKeyPem} b -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE c ${body}${body}`;
    const out = redact(text, 10_000);
    expect(out).not.toContain('PRIVATE KEY-----\nM');
    expect(out).not.toContain(body);
    expect(out).toBe('a [private key redacted]\n b [private key redacted]');
  });

  it('bounds length and removes control characters', () => {
    expect(redact('x\u001b[31my\nz', 100)).toBe('x [31my\nz');
    expect(redact('a'.repeat(50), 10)).toBe(`${'a'.repeat(9)}…`);
  });

  it('walks objects and arrays', () => {
    expect(redactDeep({ a: ['-----BEGIN PRIVATE KEY-----abc-----END PRIVATE KEY-----'], n: 1 })).toEqual({
      a: ['[private key redacted]'],
      n: 1,
    });
  });
});
