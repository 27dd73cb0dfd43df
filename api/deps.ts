import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Client } from '@temporalio/client';
import type { Config } from '../config/env';
import type { Mailer } from '../activities/email/mailer';
import type { HandOff } from '../ingest/relay';

/** What the HTTP layer needs, passed in by the entry point (api/server.ts or the launcher). */
export interface ApiDeps {
  db: Pool;
  config: Config;
  log: Logger;
  temporal: Client;
  /** sends the few emails the API itself sends (re-subscribe confirmations); default: the configured transport */
  mailer?: Mailer;
  /** tells the event relay there is something to dispatch (lane 0: a transactional event, claimed at once) */
  nudgeRelay: (lane?: 0 | 1) => void;
  /** room for `customers` heads the API stores to go to its relay at once (EventRelay.handOff); none: the relay claims them */
  handOffToRelay?: (customers: number) => HandOff | undefined;
}
