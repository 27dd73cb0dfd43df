import { escapeLiteral } from 'pg';

/** What `literal` writes into SQL text: the values the send path's statements carry. */
export type SqlValue = string | number | boolean | Date | null | undefined | readonly string[];

/**
 * A value as an SQL literal, for statements sent with the simple query protocol (several
 * statements in one round trip, e.g. `…; COMMIT`), which takes no parameters. Strings go
 * through pg's own `escapeLiteral`; a caller casts where the type matters
 * (`${literal(at)}::timestamptz`, `${literal(ids)}::text[]`).
 */
export function literal(value: SqlValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  return `ARRAY[${value.map((v) => escapeLiteral(v)).join(', ')}]::text[]`;
}
