import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { loadConfig, loadDotEnv } from '../config/env';
import { journeySearchAttributes } from '../workflows/messages';
import { connectionOptions } from './temporal';

/** How the `temporal` CLI spells each type (`--search-attribute CustomerId=Keyword`). */
const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** The journeys' search attributes as `temporal server start-dev` flags. */
export function searchAttributeCliFlags(): string[] {
  return journeySearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`]);
}

/**
 * Register the journeys' search attributes in `namespace` through the operator API. Safe to
 * repeat: attributes the namespace already has are left as they are.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const known = await connection.operatorService.listSearchAttributes({ namespace }).then(
    ({ customAttributes }) => customAttributes ?? {},
    (err: { code?: number }) => {
      // The time-skipping test server cannot list (UNIMPLEMENTED), only add.
      if (err.code === 12) return {};
      throw err;
    },
  );
  const missing = journeySearchAttributes.filter((key) => !(key.name in known));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
  } catch (err) {
    // Another process registering at the same moment (two setups racing): already there is fine.
    if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
  return missing.map((key) => key.name);
}

/**
 * `node dist/runtime/search-attributes.js`: the compose stack's setup step (and a self-hosted
 * cluster's), so the list in workflows/messages.ts is the only one.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(process.env, { allowGeneratedSecrets: true });
  const connection = await Connection.connect(connectionOptions(config));
  try {
    const added = await registerSearchAttributes(connection, config.temporal.namespace);
    console.log(added.length ? `registered ${added.join(', ')} in ${config.temporal.namespace}` : 'search attributes already registered');
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
