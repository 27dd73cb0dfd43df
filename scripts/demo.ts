/**
 * `npm run demo`: a populated dashboard within minutes. Starts the embedded stack exactly as
 * `npm start` does (scripts/dev.ts) in its own data dir and on its own ports, with journey
 * delays shortened by dev/journeys.demo.json, and plays a small shop through the public API:
 * a few hundred sign-ups, carts (some abandoned), orders with and without the emailed coupon
 * codes, in three currencies, shipments and deliveries; the "mailbox" side opens and clicks the
 * emails it finds in the outbox through their tracking links and confirms deliveries with
 * Svix-signed Resend webhooks. Loopback only; bounded in customers (≤ 1000) and time.
 *
 * Then it prints where the dashboard is and leaves the stack running until Ctrl-C (`--exit`
 * stops it when the scenario is done). Each run starts from an empty .data/demo/.
 *
 *   npm run demo                        300 customers, stack left running
 *   npm run demo -- --customers 50 --exit
 * Ports: API_PORT (3010), TEMPORAL_PORT (7243), TEMPORAL_UI_PORT (8243), EMBEDDED_PG_PORT (54339);
 * DEMO_SEED picks the shop's random choices.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'svix';
import { seededRandom } from './seeded-random';

const ROOT = resolve(__dirname, '..');

export interface DemoOptions {
  customers: number;
  /** customers start spread over this long */
  trafficWindowMs: number;
  /** after the last shopper's move, how long the mailbox keeps opening mail (the shortened delays run out) */
  settleMs: number;
  /** the whole scenario gives up after this long */
  deadlineMs: number;
  dataDir: string;
  ports: { api: number; temporal: number; temporalUi: number; postgres: number };
  seed: number;
  log: (line: string) => void;
  /** a prebuilt workflow bundle (the tests' cached one): the stack starts without bundling */
  workflowBundlePath?: string;
}

export interface DemoStack {
  apiUrl: string;
  apiKey: string;
  uiUrl: string;
  /** the stack verifies Resend webhooks with it; the demo's mailbox signs with it */
  webhookSecret: string;
  child: ChildProcess;
  /** SIGINT to the stack; resolves with its exit code */
  stop(): Promise<number | null>;
}

export interface DemoSummary {
  customers: number;
  events: number;
  orders: number;
  ordersWithCoupon: number;
  emails: number;
  opened: number;
  clicked: number;
  durationMs: number;
}

// ── the embedded stack, as `npm start` runs it ──

export async function startDemoStack(options: DemoOptions): Promise<DemoStack> {
  rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: options.dataDir,
    API_HOST: '127.0.0.1',
    API_PORT: String(options.ports.api),
    TEMPORAL_PORT: String(options.ports.temporal),
    TEMPORAL_UI_PORT: String(options.ports.temporalUi),
    EMBEDDED_PG_PORT: String(options.ports.postgres),
    JOURNEYS_CONFIG_FILE: join(ROOT, 'dev/journeys.demo.json'),
    RESEND_WEBHOOK_SECRET: webhookSecret,
    // The demo's own stack, whatever a .env says: empty values are not overridden by it and
    // count as unset, so Postgres, Temporal and mail stay embedded (never someone's real ones).
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    RESEND_API_KEY: '',
    API_KEY: '',
    TOKEN_SECRET: '',
    PUBLIC_URL: '',
    SHOP_WEBHOOK_URL: '',
    // the scenario posts in bursts; the per-key limit protects a real deployment, not this one
    API_RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    ...(options.workflowBundlePath ? { WORKFLOW_BUNDLE_PATH: options.workflowBundlePath } : {}),
  };
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/dev.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let output = '';
  const ready = new Promise<void>((done, fail) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim() && /"level":(40|50|60)|error/i.test(line)) options.log(`  stack │ ${line.slice(0, 300)}`);
      if (output.includes('Journeys is running')) done();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => fail(new Error(`the embedded stack exited (${code}) before it was ready:\n${output.slice(-3000)}`)));
  });
  const timer = setTimeout(() => child.kill('SIGINT'), 180_000);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  const secrets = JSON.parse(readFileSync(join(options.dataDir, 'dev-secrets.json'), 'utf8')) as { apiKey: string };
  const apiUrl = `http://127.0.0.1:${options.ports.api}`;
  return {
    apiUrl,
    apiKey: secrets.apiKey,
    uiUrl: `http://127.0.0.1:${options.ports.temporalUi}`,
    child,
    webhookSecret,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const forced = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(forced);
      return code;
    },
  };
}

// ── the shop ──


const PRODUCTS = [
  { id: 'sencha', title: 'Sencha green tea', price: 14.5 },
  { id: 'assam', title: 'Assam breakfast tea', price: 11 },
  { id: 'matcha', title: 'Ceremonial matcha', price: 32 },
  { id: 'kettle', title: 'Gooseneck kettle', price: 59 },
  { id: 'mug', title: 'Stoneware mug', price: 18 },
  { id: 'teapot', title: 'Cast-iron teapot', price: 45 },
  { id: 'sampler', title: 'Tea sampler box', price: 24 },
];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'USD', 'USD', 'GBP'];
const LOCALES = ['en', 'en', 'en', 'de', 'fr', 'es'];
const ZONES = ['Europe/Berlin', 'Europe/London', 'America/New_York', 'Europe/Paris', 'UTC'];
const FIRST_NAMES = ['Ada', 'Grace', 'Linus', 'Mina', 'Omar', 'Priya', 'Sven', 'Yuki', 'Lena', 'Tomás', 'Chiara', 'Noah'];
/** emailed coupon codes look like WELCOME-ABCD-EFGH-JKLM */
const COUPON = /\b[A-Z]{2,12}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class ShopApi {
  events = 0;
  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<any> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      }).catch((err: Error) => err);
      if (res instanceof Error || res.status === 429 || res.status >= 500) {
        if (attempt >= 5) throw new Error(`${method} ${path}: ${res instanceof Error ? res.message : res.status}`);
        await sleep(500 * (attempt + 1));
        continue;
      }
      const answer = await res.json().catch(() => undefined);
      if (res.status >= 400) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
      return answer;
    }
  }

  /** An event as the shop's backend posts it (its own id: a retry is not applied twice). */
  async event(type: string, customerId: string, properties: Record<string, unknown>): Promise<void> {
    this.events++;
    await this.call('POST', '/v1/events', { id: `demo-${type}-${customerId}-${this.events}`, type, customerId, properties });
  }
}

interface Mail {
  id: number;
  to: string;
  subject: string;
  idempotencyKey: string;
  providerId: string;
  html?: string;
}

/**
 * The recipients' side: every email that lands in the outbox is delivered (a Svix-signed
 * Resend webhook, as Resend would post it), and a share of them opened and clicked through the
 * links in the email (the open pixel, the click redirect, never followed off this machine).
 */
class Mailbox {
  readonly mail = new Map<number, Mail>();
  opened = 0;
  clicked = 0;
  private readonly waiting = new Map<string, ((m: Mail) => void)[]>();
  private readonly webhook: Webhook;

  constructor(
    private readonly apiUrl: string,
    webhookSecret: string,
    private readonly rand: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.webhook = new Webhook(webhookSecret);
  }

  /** One look at the outbox (its newest 200): new mail is read and acted on. */
  async poll(): Promise<void> {
    const res = await fetch(`${this.apiUrl}/outbox.json`, { signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
    if (!res?.ok) return;
    const { messages } = (await res.json()) as { messages: Mail[] };
    const fresh = messages.filter((m) => !this.mail.has(m.id)).reverse();
    for (const m of fresh) this.mail.set(m.id, m);
    await Promise.all(fresh.map((m) => this.read(m).catch((err: Error) => this.log(`  mailbox │ ${m.subject}: ${err.message}`))));
  }

  /** The first email to `to` whose idempotency key contains `step` (e.g. 'welcome-email'). */
  waitFor(to: string, step: string, timeoutMs: number): Promise<Mail | undefined> {
    const found = [...this.mail.values()].find((m) => m.to === to && m.idempotencyKey.includes(step) && m.html);
    if (found) return Promise.resolve(found);
    return new Promise((done) => {
      const key = `${to} ${step}`;
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), (m) => (clearTimeout(timer), done(m))]);
    });
  }

  private async read(m: Mail): Promise<void> {
    m.html = await (await fetch(`${this.apiUrl}/outbox/${m.id}/html`, { signal: AbortSignal.timeout(20_000) })).text();
    for (const [key, resolvers] of this.waiting) {
      const [to, step] = key.split(' ');
      if (m.to === to && m.idempotencyKey.includes(step)) {
        this.waiting.delete(key);
        for (const r of resolvers) r(m);
      }
    }
    if (this.rand() < 0.97) await this.resendEvent('email.delivered', m);
    if (this.rand() < 0.04) {
      // a company's mail scanner follows every link at once: counted apart, not as clicks
      for (const link of m.html.match(/\/t\/c\/[A-Za-z0-9_.-]+/g) ?? []) await this.visit(link, 'Mozilla/5.0 (compatible; SafeLinks scanner)');
      return;
    }
    const transactional = /^order\//.test(m.idempotencyKey);
    // people open what they wait for more often than marketing
    if (this.rand() >= (transactional ? 0.75 : 0.5)) return;
    await sleep(300 + this.rand() * 3000);
    const pixel = /\/t\/o\/[A-Za-z0-9_.-]+/.exec(m.html)?.[0];
    if (pixel && (await this.visit(pixel))) this.opened++;
    if (this.rand() >= 0.4) return;
    // a person reads before clicking (a click seconds after the send is a scanner's)
    await sleep(6_000 + this.rand() * 8_000);
    const links = m.html.match(/\/t\/c\/[A-Za-z0-9_.-]+/g) ?? [];
    const link = links[Math.floor(this.rand() * links.length)];
    if (link && (await this.visit(link))) this.clicked++;
  }

  private async visit(path: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36'): Promise<boolean> {
    // A person's browser by default; the click's redirect goes to the shop and is not followed.
    const res = await fetch(`${this.apiUrl}${path}`, {
      redirect: 'manual',
      headers: { 'user-agent': userAgent },
      signal: AbortSignal.timeout(20_000),
    }).catch(() => undefined);
    return !!res && res.status < 400;
  }

  private async resendEvent(type: string, m: Mail): Promise<void> {
    const body = JSON.stringify({ type, created_at: new Date().toISOString(), data: { email_id: m.providerId, to: [m.to] } });
    const id = `msg_demo_${type}_${m.id}`;
    const now = new Date();
    await fetch(`${this.apiUrl}/webhooks/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(Math.floor(now.getTime() / 1000)), 'svix-signature': this.webhook.sign(id, now, body) },
      body,
      signal: AbortSignal.timeout(20_000),
    });
  }
}

/** One customer's few minutes with the shop. */
async function playCustomer(n: number, api: ShopApi, mailbox: Mailbox, rand: () => number, summary: DemoSummary): Promise<void> {
  const customerId = `demo-${String(n).padStart(4, '0')}`;
  const email = `${customerId}@example.com`;
  const currency = CURRENCIES[Math.floor(rand() * CURRENCIES.length)];
  const pick = () => PRODUCTS[Math.floor(rand() * PRODUCTS.length)];
  const order = async (items: { productId: string; title: string; price: number; quantity: number }[], couponCodes?: string[]) => {
    const orderId = `${customerId}-o${summary.orders + 1}`;
    const discount = couponCodes?.length ? 0.9 : 1;
    const total = Math.round(items.reduce((s, i) => s + i.price * i.quantity, 0) * discount * 100) / 100;
    summary.orders++;
    if (couponCodes?.length) summary.ordersWithCoupon++;
    await api.event('order.placed', customerId, { orderId, total, currency, items, ...(couponCodes?.length ? { couponCodes } : {}) });
    if (rand() < 0.85) {
      await sleep(3_000 + rand() * 5_000);
      await api.event('order.shipped', customerId, { orderId, carrier: 'DHL', trackingNumber: `JD${100000 + n}`, trackingUrl: `https://tracking.example.com/JD${100000 + n}` });
      if (rand() < 0.9) {
        await sleep(3_000 + rand() * 5_000);
        await api.event('order.delivered', customerId, { orderId });
      }
    }
  };
  const line = (p: (typeof PRODUCTS)[number], quantity = 1) => ({ productId: p.id, title: p.title, price: p.price, quantity });

  const consent = rand() < 0.85;
  await api.event('customer.created', customerId, {
    email,
    firstName: FIRST_NAMES[n % FIRST_NAMES.length],
    locale: LOCALES[Math.floor(rand() * LOCALES.length)],
    timezone: ZONES[Math.floor(rand() * ZONES.length)],
    marketingConsent: consent,
  });
  summary.customers++;
  if (rand() < 0.5) await api.event('product.viewed', customerId, { productId: pick().id });

  const path = rand();
  if (path < 0.45) {
    // a cart: bought at once, or abandoned (the reminders come after the shortened delays)
    const items = [line(pick(), 1 + Math.floor(rand() * 2)), ...(rand() < 0.4 ? [line(pick())] : [])];
    await sleep(1_000 + rand() * 4_000);
    await api.event('cart.updated', customerId, { cartId: `${customerId}-cart`, cartUrl: `https://shop.example.com/cart/${customerId}`, items });
    if (rand() < 0.35) {
      await sleep(2_000 + rand() * 5_000);
      await api.event('checkout.started', customerId, { cartId: `${customerId}-cart` });
      await order(items);
      return;
    }
    const reminder = consent ? await mailbox.waitFor(email, 'first-reminder', 90_000) : undefined;
    if (rand() < (reminder ? 0.3 : 0.08)) {
      await sleep(2_000 + rand() * 6_000);
      await order(items);
      return;
    }
    const discount = consent ? await mailbox.waitFor(email, 'second-reminder', 90_000) : undefined;
    const code = discount?.html && COUPON.exec(discount.html)?.[0];
    if (code && rand() < 0.35) {
      await sleep(2_000 + rand() * 6_000);
      await order(items, [code]);
    }
  } else if (path < 0.75 && consent) {
    // the welcome code brings a first order (some forget to enter it)
    const welcome = await mailbox.waitFor(email, 'welcome-email', 60_000);
    const code = welcome?.html && COUPON.exec(welcome.html)?.[0];
    // without the welcome email (the journey's holdout) fewer come back to buy: the lift the holdout measures
    if (!welcome && rand() >= 0.35) return;
    await sleep(3_000 + rand() * 25_000);
    await order([line(pick())], code && rand() < 0.8 ? [code] : undefined);
  } else if (path < 0.82) {
    // an order straight away, no email involved
    await order([line(pick()), ...(rand() < 0.3 ? [line(pick())] : [])]);
  }
  // everyone else only signed up: the welcome reminder will come
}

export async function runDemoScenario(stack: Pick<DemoStack, 'apiUrl' | 'apiKey' | 'webhookSecret'>, options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const rand = seededRandom(options.seed);
  const api = new ShopApi(stack.apiUrl, stack.apiKey);
  const mailbox = new Mailbox(stack.apiUrl, stack.webhookSecret, seededRandom(options.seed + 1), options.log);
  const summary: DemoSummary = { customers: 0, events: 0, orders: 0, ordersWithCoupon: 0, emails: 0, opened: 0, clicked: 0, durationMs: 0 };

  for (const p of PRODUCTS) {
    await api.call('PUT', `/v1/products/${p.id}`, { title: p.title, price: p.price, currency: 'EUR', url: `https://shop.example.com/p/${p.id}`, stock: 500, relatedProductIds: PRODUCTS.filter((o) => o.id !== p.id).slice(0, 3).map((o) => o.id) });
  }

  let polling = true;
  const poller = (async () => {
    while (polling) {
      await mailbox.poll();
      await sleep(1_000);
    }
  })();
  const deadline = started + options.deadlineMs;
  const shoppers: Promise<void>[] = [];
  const progress = setInterval(() => {
    options.log(`  demo  │ ${summary.customers}/${options.customers} customers, ${api.events} events, ${summary.orders} orders, ${mailbox.mail.size} emails, ${mailbox.opened} opened, ${mailbox.clicked} clicked`);
  }, 15_000);
  try {
    for (let n = 1; n <= options.customers; n++) {
      const at = started + (options.trafficWindowMs * (n - 1)) / Math.max(1, options.customers - 1);
      await sleep(Math.max(0, at - Date.now()));
      const customerRand = seededRandom(options.seed * 7919 + n);
      shoppers.push(playCustomer(n, api, mailbox, customerRand, summary).catch((err: Error) => options.log(`  demo  │ customer ${n}: ${err.message}`)));
    }
    await Promise.race([Promise.all(shoppers), sleep(Math.max(0, deadline - Date.now()))]);
    // the shortened delays (welcome reminder, review request, …) run out; their mail is read too
    await sleep(Math.max(0, Math.min(options.settleMs, deadline - Date.now())));
  } finally {
    clearInterval(progress);
    polling = false;
    await poller;
  }
  await mailbox.poll();
  await sleep(4_000); // the last opens and clicks
  Object.assign(summary, { events: api.events, emails: mailbox.mail.size, opened: mailbox.opened, clicked: mailbox.clicked, durationMs: Date.now() - started });
  return summary;
}

// ── the command ──

function parseArgs(argv: string[]): { customers: number; exit: boolean } {
  let customers = 300;
  let exit = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--exit') exit = true;
    else if (argv[i] === '--customers') customers = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (use --customers N, --exit)`);
  }
  if (!Number.isInteger(customers) || customers < 1 || customers > 1000) throw new Error('--customers takes 1 to 1000');
  return { customers, exit };
}

export function demoOptions(customers: number, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): DemoOptions {
  const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
  return {
    customers,
    // a few hundred customers arrive over a minute or so; a handful over a few seconds
    trafficWindowMs: Math.min(90_000, customers * 250),
    settleMs: 50_000,
    deadlineMs: 8 * 60_000,
    dataDir: resolve(process.env.DEMO_DATA_DIR || join(ROOT, '.data/demo')),
    ports: { api: port('API_PORT', 3010), temporal: port('TEMPORAL_PORT', 7243), temporalUi: port('TEMPORAL_UI_PORT', 8243), postgres: port('EMBEDDED_PG_PORT', 54339) },
    seed: Number(process.env.DEMO_SEED || 1),
    log,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const options = demoOptions(args.customers);
  const log = options.log;
  if (!existsSync(join(ROOT, 'node_modules/.bin/tsx'))) throw new Error('run `npm install` first (npm run demo does)');
  log(`Starting the embedded stack for the demo (data in ${options.dataDir}, emptied first) …`);
  const stack = await startDemoStack(options);
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('Stopping the demo stack …');
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  stack.child.once('exit', (code) => {
    if (!stopping) {
      log(`The embedded stack exited (${code}).`);
      process.exit(1);
    }
  });

  log(`Stack up at ${stack.apiUrl}. Playing ${options.customers} customers (${Math.round((options.trafficWindowMs + options.settleMs + 60_000) / 60_000)} minutes or more on a busy machine; at most ${options.deadlineMs / 60_000}) …`);
  let summary: DemoSummary;
  let stats: unknown;
  try {
    summary = await runDemoScenario(stack, options);
    stats = await (await fetch(`${stack.apiUrl}/v1/stats/journeys`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).json();
  } catch (err) {
    stopping = true;
    await stack.stop();
    throw err;
  }
  const rows = (stats as { journeys: any[] }).journeys.map((j) => {
    const sum = (f: string) => j.steps.reduce((n: number, s: any) => n + s[f], 0);
    const revenue: Record<string, number> = {};
    for (const s of j.steps) for (const [c, v] of Object.entries(s.revenue as Record<string, number>)) revenue[c] = Math.round(((revenue[c] ?? 0) + v) * 100) / 100;
    return `  ${j.journey.padEnd(16)} ${String(j.entered).padStart(8)} ${String(sum('sent')).padStart(6)} ${String(sum('opened')).padStart(7)} ${String(sum('clicked')).padStart(8)} ${String(sum('converted')).padStart(10)}  ${Object.entries(revenue).map(([c, v]) => `${v.toFixed(2)} ${c}`).join(', ')}`;
  });
  log(
    [
      '',
      `Demo scenario done in ${(summary.durationMs / 1000).toFixed(0)} s: ${summary.customers} customers, ${summary.events} events, ${summary.orders} orders (${summary.ordersWithCoupon} with an emailed code), ${summary.emails} emails (${summary.opened} opened, ${summary.clicked} clicked).`,
      '',
      '  journey           entered   sent  opened  clicked  converted  revenue',
      ...rows,
      '',
      `  Dashboard    ${stack.apiUrl}/dashboard   (sign in with the API key)`,
      `  API key      ${stack.apiKey}`,
      `  Stats        curl -s '${stack.apiUrl}/v1/stats/journeys' -H 'Authorization: Bearer ${stack.apiKey}'`,
      `  Outbox       ${stack.apiUrl}/outbox`,
      `  Temporal UI  ${stack.uiUrl}`,
      '',
      args.exit ? 'Stopping (--exit).' : 'The stack keeps running (journeys still wake up: cross-sells, reminders); Ctrl-C stops it. The next npm run demo starts afresh.',
      '',
    ].join('\n'),
  );
  if (args.exit) await stop(0);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
