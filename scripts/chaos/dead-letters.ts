import type { Pool } from 'pg';

/**
 * The runner (waiting for the backlog to drain) and the verifier (judging what happened to each
 * event) read dead letters the same way; both import them from here.
 */
export async function notDeadLetteredClause(db: Pool): Promise<string> {
  const { marker } = await deadLetterColumns(db);
  return marker ? `AND ${marker} IS NULL` : '';
}

/**
 * Dead-lettering is the relay's: recognise its marker and reason columns when the schema has
 * them (`dead_lettered_at` / `dead_letter_reason`); without them nothing counts as dead-lettered.
 */
export async function deadLetterColumns(db: Pool): Promise<{ marker?: string; reason: string }> {
  const { rows } = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' AND column_name LIKE 'dead%'`,
  );
  const names = rows.map((r) => r.column_name);
  const marker = names.find((n) => /^dead_letter(ed)?_at$/.test(n));
  const reason = names.find((n) => /^dead_letter(ed)?_reason$/.test(n));
  return { marker, reason: reason ? `COALESCE(${reason}, dispatch_error)` : 'dispatch_error' };
}
