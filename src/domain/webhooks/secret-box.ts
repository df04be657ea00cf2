import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for webhook signing secrets. A signing secret must be readable to sign,
 * so it cannot be hashed like an API key; it is sealed with AES-256-GCM under a key that lives
 * only in the environment (WEBHOOK_SECRET_KEY), with the endpoint id as associated data, so a
 * database dump alone reveals no secret and a ciphertext copied to another row does not open.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. The version leaves room to
 * rotate the key later (open with the old key, seal with the new one).
 */
export interface SecretBox {
  seal(plaintext: string, boundTo: string): string;
  /** Throws when the sealed value was tampered with, bound to another id, or sealed under another key. */
  open(sealed: string, boundTo: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('A secret box needs a 32-byte key');
  return {
    seal(plaintext, boundTo) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(boundTo));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, boundTo) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new Error('Unknown sealed secret format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
