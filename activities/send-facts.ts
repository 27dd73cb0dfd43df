import type { QueryResult } from 'pg';
import { literal } from '../db/literal';
import { executeSql, preparedStatement, type PreparedStatement } from '../db/prepared';
import type { CustomerRow, SendFacts } from './guardrails';
import type { SendMessageInput } from './types';

/**
 * Everything the send path decides a claim on, read in one statement right after the
 * customer's lock is granted (in the round trip of BEGIN and the lock: db/transaction.ts
 * `withLockedReads`): the ledger row of the idempotency key, the customer, and what the
 * guardrails and the stock filter need. Before, each of these was a round trip of its own
 * inside the locked transaction.
 */
export interface ClaimFacts<Ledger> {
  ledger: Ledger | undefined;
  customer: CustomerRow | undefined;
  facts: SendFacts;
  /** of `data.items`' product ids, those in stock now (only read for a message that promotes them) */
  inStock?: Set<string>;
}

/** What the send path reads of a customer; one list for the plain read and the combined one. */
export const CUSTOMER_SELECT = `SELECT c.id, c.email, c.first_name, c.timezone, c.locale, c.attributes, c.marketing_consent, c.unsubscribed_at,
            c.unengaged_at, c.erased_at, c.link_epoch,
            EXISTS (SELECT 1 FROM address_unsubscribes a WHERE a.email = lower(c.email)) AS address_unsubscribed
       FROM customers c`;

const CUSTOMER_COLUMNS = [
  'id',
  'email',
  'first_name',
  'timezone',
  'locale',
  'attributes',
  'marketing_consent',
  'unsubscribed_at',
  'unengaged_at',
  'erased_at',
  'link_epoch',
  'address_unsubscribed',
] as const;

/** The claim's read as `withLockedReads` takes it: an EXECUTE of `prepared` with literal arguments. */
export interface ClaimFactsQuery {
  sql: string;
  prepared: PreparedStatement;
}

/**
 * The statement as an EXECUTE of a prepared statement, its values written in as literals (it
 * shares the simple-protocol round trip of BEGIN and the lock; db/prepared.ts). `recentSince`:
 * how far back the frequency cap looks (its window before now); only marketing mail reads it.
 * `productIds`: the products to check for stock, when the message promotes them.
 */
export function claimFactsSql(
  ledgerColumns: readonly string[],
  input: Pick<SendMessageInput, 'idempotencyKey' | 'customerId' | 'journey' | 'category'>,
  options: { recentSince?: Date; productIds?: readonly string[] },
): ClaimFactsQuery {
  const readsRecent = input.category === 'marketing' && options.recentSince !== undefined;
  const prepared = claimFactsStatement(ledgerColumns, readsRecent, options.productIds !== undefined);
  const args = [
    literal(input.idempotencyKey),
    literal(input.customerId),
    literal(input.journey),
    readsRecent ? `${literal(options.recentSince)}::timestamptz` : 'NULL',
    options.productIds ? literal(options.productIds) : 'NULL',
  ];
  return { sql: executeSql(prepared, args), prepared };
}

const CLAIM_FACTS_PARAMETERS = ['text', 'text', 'text', 'timestamptz', 'text[]'] as const;
const claimFactsStatements = new Map<string, PreparedStatement>();

/**
 * The claim's read for one shape of send; $1 the idempotency key, $2 the customer, $3 the
 * journey, $4 since when recent marketing counts, $5 the products to check for stock.
 */
function claimFactsStatement(ledgerColumns: readonly string[], readsRecent: boolean, readsStock: boolean): PreparedStatement {
  const shape = `${ledgerColumns.join(',')}|${readsRecent}|${readsStock}`;
  let statement = claimFactsStatements.get(shape);
  if (statement) return statement;
  const recent = readsRecent
    ? `ARRAY(SELECT coalesce(claimed_at, sent_at) FROM messages
                WHERE customer_id = $2 AND category = 'marketing' AND status IN ('sent', 'pending')
                  AND idempotency_key <> $1 AND coalesce(claimed_at, sent_at) > $4
                ORDER BY 1)`
    : 'NULL::timestamptz[]';
  const stock = readsStock ? `ARRAY(SELECT id FROM products WHERE id = ANY($5) AND stock > 0)` : 'NULL::text[]';
  const sql = `SELECT ${ledgerColumns.map((c) => `m.${c} AS ledger_${c}`).join(', ')},
                 ${CUSTOMER_COLUMNS.map((c) => `customer.${c} AS customer_${c}`).join(', ')},
                 (SELECT paused FROM journey_controls WHERE journey = $3) AS journey_paused,
                 EXISTS (SELECT 1 FROM suppressions s WHERE s.email = lower(customer.email)) AS suppressed,
                 ${recent} AS recent_marketing,
                 ${stock} AS in_stock
            FROM (SELECT 1) AS one
            LEFT JOIN messages m ON m.idempotency_key = $1
            LEFT JOIN LATERAL (${CUSTOMER_SELECT} WHERE c.id = $2) AS customer ON true`;
  statement = preparedStatement('claim_facts', CLAIM_FACTS_PARAMETERS, sql);
  claimFactsStatements.set(shape, statement);
  return statement;
}

/** The row of `claimFactsSql` taken apart. */
export function readClaimFacts<Ledger>(result: QueryResult, recentSince: Date | undefined): ClaimFacts<Ledger> {
  const row = result.rows[0] as Record<string, unknown>;
  const ledger: Record<string, unknown> = {};
  const customer: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column.startsWith('ledger_')) ledger[column.slice('ledger_'.length)] = value;
    else if (column.startsWith('customer_')) customer[column.slice('customer_'.length)] = value;
  }
  const recent = row.recent_marketing as Date[] | null;
  const inStock = row.in_stock as string[] | null;
  return {
    ledger: ledger.id === null ? undefined : (ledger as Ledger),
    customer: customer.id === null ? undefined : (customer as unknown as CustomerRow),
    facts: {
      journeyPaused: row.journey_paused as boolean | null,
      suppressed: row.suppressed as boolean,
      ...(recent && recentSince ? { recentMarketing: { since: recentSince, at: recent } } : {}),
    },
    ...(inStock ? { inStock: new Set(inStock) } : {}),
  };
}
