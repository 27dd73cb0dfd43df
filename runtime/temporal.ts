import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config/env';
import { payloadDataConverter } from './payload-codec';

/** Connection options for Temporal Cloud or a self-hosted cluster, from config (TLS, API key). */
export function connectionOptions(config: Config) {
  return {
    address: config.temporal.address,
    tls: config.temporal.tls || Boolean(config.temporal.apiKey) ? {} : undefined,
    apiKey: config.temporal.apiKey,
  };
}

/**
 * A lazy client: the API starts (and stores events) while Temporal is down; the relay's
 * dispatch fails and retries until it is back.
 */
export function createTemporalClient(config: Config): Client {
  const connection = Connection.lazy(connectionOptions(config));
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: payloadDataConverter(config.temporal.payloadKey) });
}

export function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
