import type { Pool } from 'pg';
import type { ProductCard } from '../emails/components/product';
import type { NurturePieceView } from '../emails/NurturePieceEmail';
import { loadNurtureCatalog, pickNurturePiece } from './nurture-catalog';
import { productCard, type ProductRow } from './catalog';

/**
 * What the welcome series' last nudge shows a customer who signed up and has not bought:
 * the shop's bestsellers, or one piece from the content catalog (content/nurture-catalog.json).
 */
export type LastNudgePick = 'bestsellers' | 'content';

export interface LastNudgeRequest {
  customerId: string;
  pick: LastNudgePick;
}

export type LastNudgeContent =
  /** an order reached the shop without reaching the journey (an import, a back-filled event): no nudge */
  | { kind: 'ordered' }
  | { kind: 'bestsellers'; items: ProductCard[] }
  | { kind: 'content'; piece: NurturePieceView }
  /** no bestseller in stock and no piece in the catalog */
  | { kind: 'nothing' };

/** How many bestsellers the nudge shows, and over how many days of orders they are counted. */
export const BESTSELLERS_SHOWN = 3;
export const BESTSELLER_DAYS = 30;

/**
 * The products most bought (units) in the last 30 days that are in stock now, ties by product id.
 * An order gone as a whole (cancelled, fully refunded, returned whole: as `orderGone` decides)
 * counts for nothing.
 */
export async function bestsellers(db: Pool, limit: number, now: Date): Promise<ProductCard[]> {
  const { rows } = await db.query<ProductRow>(
    `SELECT p.id, p.title, p.price, p.currency, p.url, p.image_url
       FROM orders o
       CROSS JOIN LATERAL jsonb_array_elements(o.items) AS item
       JOIN products p ON p.id = item->>'productId'
      WHERE o.placed_at > $2::timestamptz - make_interval(days => $3)
        AND p.stock > 0
        AND o.cancelled_at IS NULL
        AND NOT (o.total > 0 AND o.refunded_total >= o.total)
        AND NOT EXISTS (SELECT 1 FROM order_changes c WHERE c.order_id = o.id AND c.items IS NULL AND c.kind <> 'refunded')
      GROUP BY p.id
      ORDER BY sum(COALESCE((item->>'quantity')::int, 1)) DESC, p.id
      LIMIT $1`,
    [limit, now.toISOString(), BESTSELLER_DAYS],
  );
  return rows.map(productCard);
}

/**
 * The piece for a customer: the first in catalog order on their `favoriteCategory` (a custom
 * attribute), else the catalog's first piece — the editors put what a newcomer should read first.
 */
async function contentPick(db: Pool, catalogPath: string, customerId: string): Promise<NurturePieceView | undefined> {
  const catalog = await loadNurtureCatalog(catalogPath);
  const { rows } = await db.query<{ favorite: string | null }>(`SELECT attributes->>'favoriteCategory' AS favorite FROM customers WHERE id = $1`, [
    customerId,
  ]);
  const favorite = rows[0]?.favorite;
  const piece = (favorite ? pickNurturePiece(catalog, [favorite], []) : undefined) ?? catalog.pieces[0];
  if (!piece) return undefined;
  return { id: piece.id, title: piece.title, summary: piece.summary, url: piece.url, ...(piece.imageUrl ? { imageUrl: piece.imageUrl } : {}) };
}

/**
 * The nudge's content, read when it is due. The configured pick comes first; when it has
 * nothing to show (no orders yet in a new shop, an empty catalog) the other one stands in.
 */
export async function lastNudgeContent(
  deps: {
    db: Pool;
    catalogPath: string;
    now: () => Date;
    /** the shop's top BESTSELLERS_SHOWN (a worker's reads them through a short cache); default: read now */
    bestsellers?: () => Promise<ProductCard[]>;
  },
  req: LastNudgeRequest,
): Promise<LastNudgeContent> {
  const { rows } = await deps.db.query('SELECT 1 FROM orders WHERE customer_id = $1 LIMIT 1', [req.customerId]);
  if (rows.length > 0) return { kind: 'ordered' };
  const order: LastNudgePick[] = req.pick === 'bestsellers' ? ['bestsellers', 'content'] : ['content', 'bestsellers'];
  for (const pick of order) {
    if (pick === 'bestsellers') {
      const items = await (deps.bestsellers ? deps.bestsellers() : bestsellers(deps.db, BESTSELLERS_SHOWN, deps.now()));
      if (items.length > 0) return { kind: 'bestsellers', items };
    } else {
      const piece = await contentPick(deps.db, deps.catalogPath, req.customerId);
      if (piece) return { kind: 'content', piece };
    }
  }
  return { kind: 'nothing' };
}

/**
 * How long a worker reuses the bestseller list it read. The list moves slowly (30 days of
 * orders), and a welcome cohort's nudges come due together: read once per few minutes, not once
 * per nudge. Stock may have changed meanwhile: the nudge is a `promotes` send, whose items are
 * re-checked for stock at send time.
 */
export const BESTSELLERS_CACHE_MS = 5 * 60 * 1000;

/** `read` at most once per `ttlMs` of `now` (callers meanwhile share the read in flight); a failed read is not kept. */
function cachedFor<T>(ttlMs: number, now: () => Date, read: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now().getTime();
    const age = cached ? at - cached.at : Infinity;
    if (cached && age >= 0 && age < ttlMs) return cached.value;
    const entry = { at, value: read() };
    cached = entry;
    entry.value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.value;
  };
}

export function createWelcomeNudgeActivities(deps: { db: Pool; catalogPath: string; now: () => Date }) {
  const topSellers = cachedFor(BESTSELLERS_CACHE_MS, deps.now, () => bestsellers(deps.db, BESTSELLERS_SHOWN, deps.now()));
  return {
    lastNudgeContent: (req: LastNudgeRequest) => lastNudgeContent({ ...deps, bestsellers: topSellers }, req),
  };
}
