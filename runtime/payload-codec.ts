import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Encrypts every payload Temporal stores (workflow inputs, signals, activity arguments and
 * results, query answers) with AES-256-GCM, so histories and the Temporal UI hold no customer
 * data in clear. The client (API, relay) and the worker use the same key (TEMPORAL_PAYLOAD_KEY);
 * payloads written before the key was set stay readable (they are not marked encrypted).
 * Trade-off: the Temporal UI then shows `binary/encrypted` instead of inputs and results, unless
 * it is pointed at a codec server that holds the key (which must then sit behind the UI's sign-in).
 */
const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

export class EncryptionCodec implements PayloadCodec {
  private readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the payload key must be 32 bytes (AES-256)');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(this.keyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? []).toString() !== ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      if (keyId !== this.keyId) throw new Error(`payload encrypted with another key (${keyId}); set the TEMPORAL_PAYLOAD_KEY it was written with`);
      const data = Buffer.from(payload.data ?? []);
      const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter for client and worker: encrypted payloads when a key is configured. */
export function payloadDataConverter(key: Buffer | undefined): DataConverter | undefined {
  return key ? { payloadCodecs: [new EncryptionCodec(key)] } : undefined;
}
