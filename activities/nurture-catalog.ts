import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { z } from 'zod';

/**
 * The lead-nurture content catalog: a JSON file the content team edits (default
 * content/nurture-catalog.json). Pieces go out in file order, so the editors decide what a
 * new lead reads first. Read on every pick: an edit applies without a restart.
 */
export const defaultNurtureCatalogPath = resolve(__dirname, '../content/nurture-catalog.json');

const NurturePieceSchema = z
  .object({
    /** stable: it keys the send ledger, so renaming an id would let the piece go out again */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, 'letters, digits, - and _ only'),
    topics: z.array(z.string().trim().min(1).max(100)).min(1),
    title: z.string().min(1).max(300),
    summary: z.string().min(1).max(2000),
    url: z.string().url(),
    imageUrl: z.string().url().optional(),
  })
  .strict();

export const NurtureCatalogSchema = z
  .object({ pieces: z.array(NurturePieceSchema) })
  .strict()
  .refine((c) => new Set(c.pieces.map((p) => p.id)).size === c.pieces.length, 'piece ids must be unique');

export type NurturePiece = z.infer<typeof NurturePieceSchema>;
export type NurtureCatalog = z.infer<typeof NurtureCatalogSchema>;

export async function loadNurtureCatalog(path: string): Promise<NurtureCatalog> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`nurture catalog ${path}: ${(err as Error).message}`);
  }
  const parsed = NurtureCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`nurture catalog ${path} is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

const normalise = (topic: string) => topic.trim().toLowerCase();

/** The first piece in catalog order on any of `topics` that is not in `exclude`. */
export function pickNurturePiece(catalog: NurtureCatalog, topics: string[], exclude: Iterable<string>): NurturePiece | undefined {
  const wanted = new Set(topics.map(normalise));
  const excluded = new Set(exclude);
  return catalog.pieces.find((p) => !excluded.has(p.id) && p.topics.some((t) => wanted.has(normalise(t))));
}

export interface NextNurturePieceRequest {
  customerId: string;
  workflowId: string;
  topics: string[];
  /** pieces this run has already sent */
  exclude: string[];
}

/**
 * The next piece for a lead. Pieces an earlier run of the journey sent (the ledger knows) are
 * excluded too, so a lead who fills in a form again never gets the same piece twice.
 */
export async function nextNurturePiece(
  deps: { db: Pool; catalogPath: string },
  req: NextNurturePieceRequest,
): Promise<NurturePiece | null> {
  const catalog = await loadNurtureCatalog(deps.catalogPath);
  const prefix = `${req.workflowId}/nurture-piece/`;
  const { rows } = await deps.db.query<{ piece: string }>(
    `SELECT substr(idempotency_key, length($2) + 1) AS piece FROM messages
      WHERE workflow_id = $1 AND step = 'nurture-piece' AND status = 'sent' AND left(idempotency_key, length($2)) = $2`,
    [req.workflowId, prefix],
  );
  return pickNurturePiece(catalog, req.topics, [...req.exclude, ...rows.map((r) => r.piece)]) ?? null;
}

export function createNurtureActivities(deps: { db: Pool; catalogPath?: string }) {
  const catalogPath = deps.catalogPath ?? defaultNurtureCatalogPath;
  return {
    nextNurturePiece: (req: NextNurturePieceRequest) => nextNurturePiece({ db: deps.db, catalogPath }, req),
  };
}
