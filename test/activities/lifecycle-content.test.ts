import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planBirthday } from '../../activities/birthday';
import { defaultNurtureCatalogPath, loadNurtureCatalog, nextNurturePiece } from '../../activities/nurture-catalog';
import { findReplenishableProduct } from '../../activities/replenishment';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

describe('birthday, nurture and replenishment activities (real Postgres)', () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'nurture-'));
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = (customerId: string, defaultTimezone = 'UTC') =>
    planBirthday(db.pool, { customerId, after: '2026-01-01T00:00:00.000Z', sendAtLocalHour: 10, defaultTimezone });

  test('plans the greeting from the stored profile, in its zone or the configured default', async () => {
    await db.pool.query(`INSERT INTO customers (id, email, birthday, timezone) VALUES
      ('b-tokyo', 't@example.com', '1991-06-15', 'Asia/Tokyo'),
      ('b-nozone', 'n@example.com', '1991-06-15', NULL),
      ('b-bad-zone', 'x@example.com', '1991-06-15', 'Not/AZone')`);
    assert.deepEqual(await plan('b-tokyo'), {
      status: 'planned',
      year: 2026,
      sendAt: '2026-06-15T01:00:00.000Z',
      birthday: '1991-06-15',
      timezone: 'Asia/Tokyo',
    });
    assert.equal(((await plan('b-nozone', 'America/Chicago')) as { sendAt: string }).sendAt, '2026-06-15T15:00:00.000Z');
    assert.equal(((await plan('b-bad-zone', 'Europe/Berlin')) as { timezone: string }).timezone, 'Europe/Berlin');
  });

  test('ends for an erased, unknown or birthday-less customer; an unsubscribed one still gets a plan', async () => {
    await db.pool.query(`INSERT INTO customers (id, email, birthday, erased_at, unsubscribed_at) VALUES
      ('b-erased', NULL, NULL, now(), NULL),
      ('b-nobday', 'nb@example.com', NULL, NULL, NULL),
      ('b-unsub', 'u@example.com', '1980-02-29', NULL, now())`);
    assert.deepEqual(await plan('b-erased'), { status: 'ended', reason: 'erased' });
    assert.deepEqual(await plan('b-missing'), { status: 'ended', reason: 'erased' });
    assert.deepEqual(await plan('b-nobday'), { status: 'ended', reason: 'no_birthday' });
    assert.equal(((await plan('b-unsub')) as { sendAt: string }).sendAt, '2026-02-28T10:00:00.000Z');
  });

  test('the shipped content catalog is valid and every topic has pieces', async () => {
    const catalog = await loadNurtureCatalog(defaultNurtureCatalogPath);
    assert.ok(catalog.pieces.length >= 5);
    for (const topic of ['coffee', 'tea', 'equipment', 'sustainability']) {
      assert.ok(catalog.pieces.some((p) => p.topics.includes(topic)), topic);
    }
  });

  test('a broken catalog fails with a message naming the file and the field', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, JSON.stringify({ pieces: [{ id: 'a', topics: [], title: 't', summary: 's', url: 'not a url' }] }));
    await assert.rejects(loadNurtureCatalog(path), (err: Error) => err.message.includes(path) && /pieces\.0\.url/.test(err.message));
  });

  test('the next piece skips pieces an earlier run of the journey sent (the ledger), matching topics case-insensitively', async () => {
    const path = join(dir, 'catalog.json');
    const piece = (id: string, topics: string[]) => ({ id, topics, title: id, summary: id, url: `https://shop.example.com/${id}` });
    writeFileSync(path, JSON.stringify({ pieces: [piece('one', ['Tea']), piece('two', ['tea']), piece('three', ['coffee'])] }));
    const workflowId = 'lead-nurture/n-1';
    await db.pool.query(
      `INSERT INTO messages (idempotency_key, workflow_id, journey, step, customer_id, template, category, status)
       VALUES ($1, $2, 'lead-nurture', 'nurture-piece', 'n-1', 'nurture-piece', 'marketing', 'sent'),
              ($3, $2, 'lead-nurture', 'nurture-piece', 'n-1', 'nurture-piece', 'marketing', 'skipped')`,
      [`${workflowId}/nurture-piece/one`, workflowId, `${workflowId}/nurture-piece/two`],
    );
    const next = (exclude: string[], topics = ['TEA']) => nextNurturePiece({ db: db.pool, catalogPath: path }, { customerId: 'n-1', workflowId, topics, exclude });
    assert.equal((await next([]))?.id, 'two', '"one" went out in an earlier run; a skipped "two" may still go');
    assert.equal(await next(['two']), null, 'nothing more on tea');
    assert.equal((await next(['two'], ['tea', 'coffee']))?.id, 'three');
  });

  test('a product is replenishable only with replenishDays', async () => {
    await db.pool.query(`INSERT INTO products (id, title, price, url, image_url, stock, replenish_days) VALUES
      ('beans', 'Beans', 12, 'https://shop.example.com/beans', 'https://shop.example.com/beans.jpg', 5, 30),
      ('mug', 'Mug', 9, 'https://shop.example.com/mug', NULL, 5, NULL)`);
    assert.deepEqual(await findReplenishableProduct(db.pool, 'beans'), {
      productId: 'beans',
      title: 'Beans',
      url: 'https://shop.example.com/beans',
      imageUrl: 'https://shop.example.com/beans.jpg',
      replenishDays: 30,
    });
    assert.equal(await findReplenishableProduct(db.pool, 'mug'), null);
    assert.equal(await findReplenishableProduct(db.pool, 'unknown'), null);
  });
});
