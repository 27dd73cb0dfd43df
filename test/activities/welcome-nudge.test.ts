import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { bestsellers, BESTSELLERS_CACHE_MS, createWelcomeNudgeActivities, lastNudgeContent } from '../../activities/welcome-nudge';
import { defaultNurtureCatalogPath } from '../../activities/nurture-catalog';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const NOW = new Date('2026-06-30T12:00:00.000Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

describe('the welcome last nudge reads bestsellers and the content catalog (real Postgres)', () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'nudge-'));
    await db.pool.query(`INSERT INTO products (id, title, price, currency, url, stock) VALUES
      ('sencha', 'Sencha', 12.50, 'EUR', 'https://shop.example.com/p/sencha', 10),
      ('kyusu', 'Kyusu', 64, 'EUR', 'https://shop.example.com/p/kyusu', 3),
      ('cups', 'Cups', 38, 'EUR', 'https://shop.example.com/p/cups', 5),
      ('matcha', 'Matcha', 30, 'EUR', 'https://shop.example.com/p/matcha', 0),
      ('old-hit', 'Old hit', 9, 'EUR', 'https://shop.example.com/p/old-hit', 50),
      ('whisk', 'Whisk', 20, 'EUR', 'https://shop.example.com/p/whisk', 8)`);
    const order = (id: string, customer: string, at: string, items: [string, number][]) =>
      db.pool.query(`INSERT INTO orders (id, customer_id, total, currency, items, placed_at) VALUES ($1, $2, 10, 'EUR', $3, $4)`, [
        id,
        customer,
        JSON.stringify(items.map(([productId, quantity]) => ({ productId, title: productId, price: 1, quantity }))),
        at,
      ]);
    await order('o-1', 'buyer-1', daysAgo(2), [['kyusu', 1], ['cups', 2]]);
    await order('o-2', 'buyer-2', daysAgo(5), [['kyusu', 2], ['matcha', 9]]);
    await order('o-3', 'buyer-3', daysAgo(10), [['sencha', 2]]);
    await order('o-4', 'buyer-4', daysAgo(40), [['old-hit', 50]]); // outside the 30 days
    await order('o-5', 'buyer-5', daysAgo(1), [['whisk', 20]]); // then cancelled as a whole
    await db.pool.query(`UPDATE orders SET cancelled_at = $1 WHERE id = 'o-5'`, [daysAgo(1)]);
    await db.pool.query(`INSERT INTO order_changes (event_id, order_id, kind, items, occurred_at) VALUES ('chg-5', 'o-5', 'cancelled', NULL, $1)`, [daysAgo(1)]);
    await db.pool.query(`INSERT INTO customers (id, email, attributes) VALUES
      ('new-tea', 'tea@example.com', '{"favoriteCategory": "Tea"}'),
      ('new-plain', 'plain@example.com', '{}'),
      ('bought', 'bought@example.com', '{}')`);
    await order('o-6', 'bought', daysAgo(3), [['sencha', 1]]);
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const deps = (catalogPath = defaultNurtureCatalogPath) => ({ db: db.pool, catalogPath, now: () => NOW });

  test('bestsellers: units of the last 30 days, in stock now, a cancelled order not counted, ties by id', async () => {
    const top = await bestsellers(db.pool, 3, NOW);
    // kyusu 3 units, sencha 3 (2 + the buyer's 1), cups 2; matcha sold out, old-hit too old, whisk cancelled
    assert.deepEqual(top.map((p) => p.productId), ['kyusu', 'sencha', 'cups']);
    assert.deepEqual(top[0], { productId: 'kyusu', title: 'Kyusu', price: 64, currency: 'EUR', url: 'https://shop.example.com/p/kyusu' });
  });

  test('a customer with an order in the shop gets no nudge, whatever the journey heard', async () => {
    assert.deepEqual(await lastNudgeContent(deps(), { customerId: 'bought', pick: 'bestsellers' }), { kind: 'ordered' });
  });

  test('pick bestsellers: the top three', async () => {
    const content = await lastNudgeContent(deps(), { customerId: 'new-plain', pick: 'bestsellers' });
    assert.equal(content.kind, 'bestsellers');
    assert.deepEqual(content.kind === 'bestsellers' && content.items.map((p) => p.productId), ['kyusu', 'sencha', 'cups']);
  });

  test('the bestseller query reaches the last 30 days of orders through an index on placed_at, not a scan of every order', async () => {
    const { rows: indexes } = await db.pool.query<{ name: string }>(
      `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
        WHERE x.indrelid = 'orders'::regclass AND a.attname = 'placed_at'`,
    );
    assert.ok(indexes.length > 0, 'no index on orders leads with placed_at');
    // The query itself, explained with sequential scans priced out (the table here is tiny).
    const client = await db.pool.connect();
    const plan: string[] = [];
    try {
      await client.query('BEGIN; SET LOCAL enable_seqscan = off');
      const explaining = {
        query: async (text: string, params: unknown[]) => {
          plan.push(...(await client.query(`EXPLAIN ${text}`, params)).rows.map((r) => r['QUERY PLAN'] as string));
          return { rows: [] };
        },
      } as unknown as Pool;
      await bestsellers(explaining, 3, NOW);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    assert.ok(
      plan.some((line) => indexes.some((i) => line.includes(i.name))),
      `the plan reads orders without the placed_at index:\n${plan.join('\n')}`,
    );
  });

  test('the bestsellers are read once per few minutes per worker, not once per nudge', async () => {
    let now = NOW;
    let reads = 0;
    const counting = {
      query: (text: string, params: unknown[]) => {
        if (/jsonb_array_elements\(o\.items\)/.test(text)) reads++;
        return db.pool.query(text, params);
      },
    } as unknown as Pool;
    const { lastNudgeContent: nudge } = createWelcomeNudgeActivities({ db: counting, catalogPath: defaultNurtureCatalogPath, now: () => now });
    const first = await nudge({ customerId: 'new-plain', pick: 'bestsellers' });
    const again = await Promise.all([nudge({ customerId: 'new-tea', pick: 'bestsellers' }), nudge({ customerId: 'new-plain', pick: 'bestsellers' })]);
    assert.equal(reads, 1, 'three nudges, one read');
    assert.deepEqual(again, [first, first]);
    assert.deepEqual(await nudge({ customerId: 'bought', pick: 'bestsellers' }), { kind: 'ordered' }, 'whether the customer ordered is read every time');
    now = new Date(NOW.getTime() + BESTSELLERS_CACHE_MS);
    await nudge({ customerId: 'new-plain', pick: 'bestsellers' });
    assert.equal(reads, 2, 'read again once the list is old');
  });

  test("pick content: the first piece on the customer's favoriteCategory, else the catalog's first", async () => {
    const tea = await lastNudgeContent(deps(), { customerId: 'new-tea', pick: 'content' });
    assert.deepEqual(tea.kind === 'content' && tea.piece.id, 'tea-green-vs-black');
    const plain = await lastNudgeContent(deps(), { customerId: 'new-plain', pick: 'content' });
    assert.deepEqual(plain.kind === 'content' && plain.piece.id, 'coffee-brewing-basics');
  });

  test('the other pick stands in when the chosen one has nothing; neither: nothing', async () => {
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ pieces: [] }));
    const fromBestsellers = await lastNudgeContent(deps(empty), { customerId: 'new-plain', pick: 'content' });
    assert.equal(fromBestsellers.kind, 'bestsellers');
    await db.pool.query(`UPDATE products SET stock = 0`);
    try {
      const fromContent = await lastNudgeContent(deps(), { customerId: 'new-plain', pick: 'bestsellers' });
      assert.equal(fromContent.kind, 'content');
      assert.deepEqual(await lastNudgeContent(deps(empty), { customerId: 'new-plain', pick: 'bestsellers' }), { kind: 'nothing' });
    } finally {
      await db.pool.query(`UPDATE products SET stock = 5`);
    }
  });
});
