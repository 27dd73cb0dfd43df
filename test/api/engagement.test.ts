import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { defaultJourneysConfig } from '../../config/journeys';
import { EventRelay } from '../../ingest/relay';
import { storeEvents } from '../../ingest/store';
import { machineReason } from '../../ingest/machine-engagement';
import { mayReachJourney } from '../../ingest/routes';
import { applyResendEvent } from '../../api/routes/webhooks';
import { orderPlaced } from '../helpers/shop-events';
import { recordingTemporal } from '../helpers/recording-temporal';
import { NO_QUIET_HOURS, TOKEN_SECRET, type SendHarness, useSendHarnessAndApp } from '../guardrails/harness';
import { signLink } from '../../links/signed-links';

const IPHONE_MAIL = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

describe('machine opens and clicks', () => {
  const sentAt = new Date('2026-03-01T10:00:00Z');
  const later = (ms: number) => new Date(sentAt.getTime() + ms);

  test("Apple Mail Privacy Protection's prefetch is a machine open; a person's open is not", () => {
    assert.equal(machineReason({ kind: 'open', at: later(2_000), sentAt, ip: '17.58.101.3', userAgent: 'Mozilla/5.0' }, []), 'apple_mail_privacy_protection');
    assert.equal(machineReason({ kind: 'open', at: later(60_000), sentAt, ip: '::ffff:17.1.2.3', userAgent: IPHONE_MAIL }, []), 'apple_mail_privacy_protection');
    assert.equal(machineReason({ kind: 'open', at: later(60_000), sentAt, ip: '203.0.113.9', userAgent: 'Mozilla/5.0' }, []), 'apple_mail_privacy_protection');
    assert.equal(machineReason({ kind: 'open', at: later(60_000), sentAt, ip: '203.0.113.9', userAgent: IPHONE_MAIL }, []), null);
    assert.equal(machineReason({ kind: 'open', at: later(60_000), sentAt, ip: '66.102.0.1', userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' }, []), null, "Gmail's proxy fetches when the reader opens");
  });

  test('a scanner is told by its agent, its HEAD request, its speed, or clicking every link at once', () => {
    assert.equal(machineReason({ kind: 'click', at: later(600_000), sentAt, userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' }, []), 'scanner_user_agent');
    assert.equal(machineReason({ kind: 'click', at: later(600_000), sentAt, userAgent: CHROME, method: 'HEAD' }, []), 'head_request');
    assert.equal(machineReason({ kind: 'click', at: later(1_500), sentAt, userAgent: CHROME, link: '#0' }, []), 'clicked_within_seconds_of_send');
    const first = { link: '#0', at: later(600_000) };
    assert.equal(machineReason({ kind: 'click', at: later(602_000), sentAt, userAgent: CHROME, link: '#1' }, [first]), 'every_link_within_seconds');
    assert.equal(machineReason({ kind: 'click', at: later(602_000), sentAt, userAgent: CHROME, link: '#0' }, [first]), null, 'the same link twice is a person');
    assert.equal(machineReason({ kind: 'click', at: later(660_000), sentAt, userAgent: CHROME, link: '#1' }, [first]), null, 'a minute apart is a person');
    assert.equal(machineReason({ kind: 'click', at: new Date('2026-02-01T00:00:00Z'), sentAt, userAgent: CHROME }, []), null, "a provider's clock behind ours is no evidence");
  });
});

/** The real send path, tracking routes and relay on a real database; Temporal is a recorder. */
describe('engagement reaches the journey that sent the message', () => {
  const ctx = useSendHarnessAndApp(NO_QUIET_HOURS);

  /** A win-back email (real send path, real tracking links), sent a minute ago. */
  async function winBackEmail(customerId: string, journey = 'win-back') {
    ctx.h.setNow(new Date());
    await ctx.h.customer(customerId);
    const key = `${journey}/${customerId}/${journey}/2026-01-01T00:00:00.000Z`;
    const outcome = await ctx.h.send({ customerId, idempotencyKey: key, workflowId: `${journey}/${customerId}`, journey, step: journey, template: 'win-back' });
    assert.equal(outcome.status, 'sent');
    const messageId = outcome.status === 'sent' ? outcome.messageId : 0;
    await ctx.h.db.pool.query(`UPDATE messages SET sent_at = now() - interval '1 minute' WHERE id = $1`, [messageId]);
    const html = ctx.h.resend.emails.at(-1)!.body.html as string;
    const pixel = /src="http:\/\/shop\.test(\/t\/o\/[^"]+)"/.exec(html)![1];
    const clicks = [...new Set([...html.matchAll(/href="http:\/\/shop\.test(\/t\/c\/[^"]+)"/g)].map((m) => m[1]))];
    assert.equal(clicks.length, 1, 'the win-back email has one tracked link (the shop)');
    // A second link, as a product email has: the message's own list, signed as the send path signs it.
    await ctx.h.db.pool.query(`UPDATE messages SET links = links || '["https://shop.example/sencha"]'::jsonb WHERE id = $1`, [messageId]);
    const holder = { customerId, email: `${customerId}@example.com`, epoch: 0 };
    clicks.push(`/t/c/${signLink(TOKEN_SECRET, 'click', holder, { m: messageId, x: '1' })}`);
    return { messageId, pixel, clicks };
  }

  const hit = (path: string, userAgent: string, init: RequestInit = {}) =>
    fetch(`${ctx.app.url}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': userAgent, ...(init.headers ?? {}) } });
  const row = async (id: number) =>
    (await ctx.h.db.pool.query('SELECT opened_at, clicked_at, machine_opened_at, machine_clicked_at FROM messages WHERE id = $1', [id])).rows[0];
  const events = async (customerId: string) =>
    (await ctx.h.db.pool.query(`SELECT id, type, properties FROM events WHERE customer_id = $1 AND type LIKE 'email.%' ORDER BY seq`, [customerId])).rows;

  test("a machine open is kept apart and tells no journey; a person's first open and click become events", async () => {
    const { messageId, pixel, clicks } = await winBackEmail('c-eng');
    await hit(pixel, 'Mozilla/5.0');
    let r = await row(messageId);
    assert.ok(r.machine_opened_at, 'the prefetch is recorded as a machine open');
    assert.equal(r.opened_at, null, 'and does not count as an open');
    assert.deepEqual(await events('c-eng'), []);
    const engagement = await ctx.h.activities.customerEngagement({ customerId: 'c-eng', since: '2026-01-01T00:00:00Z' });
    assert.equal(engagement.engagedAt, null, 'win-back and sunset do not see the prefetch');

    await hit(pixel, IPHONE_MAIL);
    await hit(pixel, IPHONE_MAIL);
    assert.equal((await hit(clicks[0], IPHONE_MAIL)).status, 302);
    r = await row(messageId);
    assert.ok(r.opened_at && r.clicked_at);
    assert.deepEqual(await events('c-eng'), [
      { id: `email.opened:${messageId}`, type: 'email.opened', properties: { messageId, workflowId: 'win-back/c-eng', journey: 'win-back', step: 'win-back' } },
      { id: `email.clicked:${messageId}`, type: 'email.clicked', properties: { messageId, workflowId: 'win-back/c-eng', journey: 'win-back', step: 'win-back' } },
    ]);
    assert.equal((await ctx.h.activities.customerEngagement({ customerId: 'c-eng', since: '2026-01-01T00:00:00Z' })).how, 'clicked');
  });

  test("a scanner clicking every link within seconds of the send counts as no click", async () => {
    const { messageId, clicks } = await winBackEmail('c-scanned');
    await ctx.h.db.pool.query(`UPDATE messages SET sent_at = now() - interval '2 seconds' WHERE id = $1`, [messageId]);
    for (const click of clicks) assert.equal((await hit(click, CHROME)).status, 302, 'the scanner still gets its redirect');
    const r = await row(messageId);
    assert.equal(r.clicked_at, null);
    assert.equal(r.opened_at, null);
    assert.ok(r.machine_clicked_at);
    assert.deepEqual(await events('c-scanned'), []);
  });

  test('a burst of different links later than the send is a scanner too, also its first click', async () => {
    const { messageId, clicks } = await winBackEmail('c-burst');
    for (const click of clicks.slice(0, 2)) await hit(click, CHROME);
    const r = await row(messageId);
    assert.equal(r.clicked_at, null, 'the first click of the burst no longer counts');
    assert.ok(r.machine_clicked_at);
    const reasons = (await ctx.h.db.pool.query(`SELECT machine_reason FROM message_engagements WHERE message_id = $1 ORDER BY id`, [messageId])).rows;
    assert.deepEqual(reasons.map((x) => x.machine_reason), ['every_link_within_seconds', 'every_link_within_seconds']);
  });

  test('the stats count only human opens and clicks, and show the machine ones apart', async () => {
    const res = await fetch(`${ctx.app.url}/v1/stats/journeys?journey=win-back`, { headers: { authorization: `Bearer ${ctx.h.config.api.key}` } });
    const step = ((await res.json()) as any).journeys[0].steps.find((s: { step: string }) => s.step === 'win-back');
    // c-eng: machine open + human open and click; c-scanned and c-burst: machine clicks only.
    assert.equal(step.opened, 1);
    assert.equal(step.clicked, 1);
    assert.equal(step.machineOpened, 1);
    assert.equal(step.machineClicked, 2);
  });

  test("the relay delivers a click to the journey that sent the message, after the customer's earlier events", async () => {
    const temporal = recordingTemporal();
    // The order starts win-back at once (not held for its 90 days), as for the journey that sent the email.
    const relay = new EventRelay({ db: ctx.h.db.pool, client: temporal.client, taskQueue: 'q', journeys: defaultJourneysConfig, log: pino({ level: 'silent' }), holdUntilQuiet: false });
    await storeEvents(ctx.h.db.pool, [orderPlaced('evt-order-relay', 'c-relay')]);
    await relay.drain();
    const { clicks } = await winBackEmail('c-relay');
    await hit(clicks[0], CHROME);
    await relay.drain();
    const calls = temporal.calls.filter((c) => c.customerId === 'c-relay');
    const click = calls.find((c) => c.eventId.startsWith('email.clicked:'));
    assert.ok(click, 'the click was dispatched');
    assert.deepEqual({ kind: click.kind, workflowId: click.workflowId }, { kind: 'signal', workflowId: 'win-back/c-relay' });
    assert.ok(calls.indexOf(click) > calls.findIndex((c) => c.eventId === 'evt-order-relay'));
  });

  test("Resend's opened and clicked events go through the same classifier", async () => {
    const { messageId } = await winBackEmail('c-resend');
    await ctx.h.db.pool.query(`UPDATE messages SET provider_message_id = 'resend-eng-1' WHERE id = $1`, [messageId]);
    const at = new Date().toISOString();
    await applyResendEvent(ctx.h.db.pool, 'svix-eng-1', { type: 'email.opened', created_at: at, data: { email_id: 'resend-eng-1', open: { ipAddress: '17.1.2.3', userAgent: 'Mozilla/5.0' } } }, {});
    await applyResendEvent(ctx.h.db.pool, 'svix-eng-2', { type: 'email.clicked', created_at: at, data: { email_id: 'resend-eng-1', click: { ipAddress: '52.1.2.3', userAgent: 'Mimecast URL protect', link: 'https://shop.example' } } }, {});
    let r = await row(messageId);
    assert.ok(r.machine_opened_at && r.machine_clicked_at);
    assert.equal(r.opened_at, null);
    assert.equal(r.clicked_at, null);
    await applyResendEvent(ctx.h.db.pool, 'svix-eng-3', { type: 'email.clicked', created_at: at, data: { email_id: 'resend-eng-1', click: { ipAddress: '203.0.113.4', userAgent: CHROME } } }, {});
    r = await row(messageId);
    assert.ok(r.clicked_at && r.opened_at);
    assert.deepEqual((await events('c-resend')).map((e) => e.id), [`email.clicked:${messageId}`]);
  });

  test("an open of another journey's email reaches no journey (nothing is queued)", async () => {
    assert.equal(mayReachJourney({ type: 'email.opened', properties: { messageId: 1, workflowId: 'welcome/c', journey: 'welcome', step: 'welcome-email' } }), false);
    assert.equal(mayReachJourney({ type: 'email.opened', properties: { messageId: 1, workflowId: 'win-back/c', journey: 'win-back', step: 'win-back' } }), true);
  });
});
