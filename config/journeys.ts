import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Duration } from '@temporalio/common';
import { isDurationWithUnit, toMs } from '../shared/durations';
import { ExperimentsSchema, HoldoutsSchema } from './measurement';
import { cartRemindersFromOlderKeys } from '../shared/cart-reminders';

/**
 * Every delay, count and discount of every journey, with the defaults the README lists. A journey gets
 * its section as workflow input when it starts, so a changed setting applies to journeys that
 * start after the change and never alters one mid-flight (which would break replay).
 *
 * Durations are Temporal duration strings ('4 hours', '7 days', '90 minutes').
 * Override any subset with a JSON file named by JOURNEYS_CONFIG_FILE.
 */
const duration = z
  .string()
  .refine(isDurationWithUnit, { message: "a duration such as '4 hours' or '7 days'" }) as unknown as z.ZodType<Duration, string>;
const percent = z.number().min(1).max(100);

/**
 * Each step's send window: 'immediate' steps answer the customer's own action and go out at
 * once, past quiet hours and the frequency cap (consent, unsubscribe and suppression still
 * apply); 'standard' steps keep every guardrail. README "Send windows" lists the defaults.
 */
const sendWindow = z.enum(['immediate', 'standard']);
function sendWindows<S extends string>(defaults: Record<S, 'immediate' | 'standard'>) {
  const shape = {} as Record<S, z.ZodDefault<typeof sendWindow>>;
  for (const step of Object.keys(defaults) as S[]) shape[step] = sendWindow.default(defaults[step]);
  return z.object(shape).strict().prefault({} as never);
}

/** One abandoned-cart reminder (see `abandonedCart.reminders`). */
const cartReminder = z
  .object({
    after: duration,
    /** a unique code in this reminder: e.g. { "percentOff": 10, "validity": "48 hours" } */
    offer: z.object({ percentOff: percent, validity: duration }).strict().optional(),
  })
  .strict();

const olderCartKeys = ['firstReminderAfter', 'secondReminderAfter', 'discountPercentOff', 'discountValidity'] as const;

const journeyNameKey = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a journey name such as "vip" or "abandoned-cart"');
/** every attribute listed must have one of its values (shared/audiences.ts decides) */
const audience = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'an attribute name'), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1));

export const JourneysConfigSchema = z.object({
  welcome: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      couponPercentOff: percent.default(10),
      couponValidity: duration.default('7 days'),
      reminderAfter: duration.default('3 days'),
      /**
       * The series' last email, for a customer who still has not ordered: `after` sign-up, with the
       * shop's bestsellers or a piece from the content catalog (`pick`). false: none.
       */
      lastNudge: z
        .union([
          z.literal(false),
          z
            .object({
              after: duration.default('14 days'),
              pick: z.enum(['bestsellers', 'content']).default('bestsellers'),
            })
            .strict(),
        ])
        .default({ after: '14 days', pick: 'bestsellers' }),
      sendWindows: sendWindows({ 'welcome-email': 'immediate', 'welcome-reminder': 'standard', 'welcome-last-nudge': 'standard' }),
    })
    .superRefine((section, ctx) => {
      // A bad duration has its own message already.
      if (!section.lastNudge || !isDurationWithUnit(String(section.lastNudge.after)) || !isDurationWithUnit(String(section.reminderAfter))) return;
      if (toMs(section.lastNudge.after) <= toMs(section.reminderAfter)) {
        ctx.addIssue({
          code: 'custom',
          path: ['lastNudge', 'after'],
          message: `the last nudge (${section.lastNudge.after} after sign-up) must come after the reminder (reminderAfter ${section.reminderAfter}); false turns it off`,
        });
      }
    })
    .prefault({}),
  order: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /** the order journey ends this long after the order when no delivery is reported */
      endAfter: duration.default('60 days'),
    })
    .prefault({}),
  orderNotice: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      sendWindows: sendWindows({ 'cancellation-notice': 'standard', 'refund-notice': 'standard', 'return-notice': 'standard' }),
    })
    .prefault({}),
  abandonedCart: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /**
       * The series, 1 to 3 reminders. The first comes `after` the quiet time since the latest cart
       * change (each change restarts it); each later one `after` the previous reminder, and never
       * within the first's `after` of a cart change. `offer` adds a unique code to that reminder.
       * Default: today's two: 4 hours, then 20 hours later 10 % off valid 48 hours.
       */
      reminders: z
        .array(cartReminder)
        .min(1, 'an abandoned-cart series has 1 to 3 reminders')
        .max(3, 'an abandoned-cart series has 1 to 3 reminders')
        .optional(),
      /** older spelling of reminders[0].after; used when `reminders` is not set */
      firstReminderAfter: duration.optional(),
      /** older spelling of reminders[1].after */
      secondReminderAfter: duration.optional(),
      /** older spelling of reminders[1].offer.percentOff */
      discountPercentOff: percent.optional(),
      /** older spelling of reminders[1].offer.validity */
      discountValidity: duration.optional(),
      /** at most one series per customer in this window, counted from the first reminder */
      seriesCooldown: duration.default('7 days'),
      sendWindows: sendWindows({ 'first-reminder': 'standard', 'second-reminder': 'standard', 'third-reminder': 'standard' }),
    })
    .superRefine((section, ctx) => {
      const older = olderCartKeys.filter((key) => section[key] !== undefined);
      if (section.reminders && older.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['reminders'],
          message: `set either reminders or the older ${older.join(', ')}, not both (reminders replaces them)`,
        });
      }
    })
    .transform(({ firstReminderAfter, secondReminderAfter, discountPercentOff, discountValidity, reminders, ...rest }) => ({
      ...rest,
      reminders: reminders ?? cartRemindersFromOlderKeys({ firstReminderAfter, secondReminderAfter, discountPercentOff, discountValidity }),
    }))
    .prefault({}),
  browseAbandonment: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /** quiet time after the latest product view (no cart, checkout or order) before the email */
      after: duration.default('2 hours'),
      /** at most one browse email per customer in this window, counted from the email */
      cooldown: duration.default('7 days'),
      maxViewed: z.number().int().min(1).max(10).default(3),
      maxRelated: z.number().int().min(0).max(10).default(3),
      sendWindows: sendWindows({ 'browse-reminder': 'standard' }),
    })
    .prefault({}),
  backInStock: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /** a back-in-stock request expires unanswered after this long */
      subscriptionValidity: duration.default('90 days'),
      /** subscribers notified per restocked unit; see README "Back in stock batching" */
      subscribersPerUnit: z.number().int().min(1).default(3),
      /** how long a batch waits before the next one is told, if stock remains */
      batchInterval: duration.default('1 hour'),
    })
    .prefault({}),
  postPurchase: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      thankYouAfter: duration.default('3 hours'),
      reviewRequestAfterDelivery: duration.default('7 days'),
      crossSellAfterDelivery: duration.default('14 days'),
      crossSellMaxProducts: z.number().int().min(1).default(3),
      /** no review request or cross-sell for an order not delivered within this long */
      deliveryWaitLimit: duration.default('60 days'),
      /**
       * overlapping orders: a step (thank-you, review request, cross-sell) is skipped when another
       * order's same step went out within this window
       */
      dedupeWindow: duration.default('7 days'),
      /**
       * a next-order code in the thank-you, e.g. { "percentOff": 10, "validity": "30 days" }; null
       * (the default): none. Applies to orders placed after the change.
       */
      nextOrderCoupon: z.object({ percentOff: percent, validity: duration }).strict().nullable().default(null),
      sendWindows: sendWindows({ 'thank-you': 'standard', 'review-request': 'standard', 'cross-sell': 'standard' }),
    })
    .prefault({}),
  winBack: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      firstAfter: duration.default('90 days'),
      secondAfter: duration.default('14 days'),
      sunsetAfter: duration.default('30 days'),
      couponPercentOff: percent.default(15),
      /** each attempt carries its own code, valid this long (the first expires before the second) */
      couponValidity: duration.default('14 days'),
      sendWindows: sendWindows({ 'win-back': 'standard', 'win-back-last-chance': 'standard' }),
    })
    .prefault({}),
  sunset: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /**
       * no open, click, order or re-subscribe for this long (counted from the latest of those, the
       * first marketing email and the consent) → one "do you still want to hear from us?" email
       */
      after: duration.default('120 days'),
      /** no engagement this long after that email → unengaged (no more marketing) */
      graceAfter: duration.default('14 days'),
      /** how often the sweep looks for lapsed recipients (read by the sweep at every pass) */
      sweepEvery: duration.default('1 day'),
      /** customers the sweep reads per batch: one activity, one bounded query */
      sweepBatchSize: z.number().int().min(1).max(10_000).default(500),
      /**
       * at most about this many questions a day: a pass ends after the batch that reaches it, and
       * the next pass goes on with those left (a first pass over an old list asks it in parts)
       */
      maxPerPass: z.number().int().min(1).default(10_000),
      sendWindows: sendWindows({ 'sunset-check': 'standard' }),
    })
    .prefault({}),
  vip: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      orderCount: z.number().int().min(1).default(5),
      lifetimeRevenue: z.number().positive().default(1000),
      rewardPercentOff: percent.default(20),
      rewardValidity: duration.default('30 days'),
      sendWindows: sendWindows({ 'vip-invitation': 'standard' }),
    })
    .prefault({}),
  birthday: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /** local hour of the greeting in the customer's zone (guardrails.defaultTimezone when unknown) */
      sendAtLocalHour: z.number().int().min(0).max(23).default(10),
      couponPercentOff: percent.default(15),
      couponValidity: duration.default('14 days'),
      sendWindows: sendWindows({ 'birthday-greeting': 'standard' }),
    })
    .prefault({}),
  leadNurture: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /** between two content pieces; the first goes out when the form arrives */
      interval: duration.default('2 days'),
      /** pieces per run of the journey (content/nurture-catalog.json may run out first) */
      maxPieces: z.number().int().min(1).default(5),
      sendWindows: sendWindows({ 'nurture-piece': 'standard' }),
    })
    .prefault({}),
  replenishment: z
    .object({
      /** false: the journey starts paused (POST /v1/journeys/:name/resume switches it on); see README "Pausing a journey" */
      enabled: z.boolean().default(true),
      /** what the email's "remind me later" button adds, counted from the click */
      snoozeBy: duration.default('7 days'),
      /** remind this long before the product should run out (placedAt + replenishDays × quantity) */
      leadTime: duration.default('2 days'),
      /** after a reminder, how long its snooze/reschedule links work; the journey then ends */
      followUpFor: duration.default('30 days'),
      /** the furthest ahead a customer may reschedule a reminder */
      rescheduleWithin: duration.default('365 days'),
      /** a date the customer picks becomes this hour, in their zone */
      rescheduleAtLocalHour: z.number().int().min(0).max(23).default(10),
      sendWindows: sendWindows({ 'replenishment-reminder': 'standard' }),
    })
    .prefault({}),
  coupons: z
    .object({
      /** how many orders may redeem one code (fixed on the code when it is issued) */
      maxRedemptions: z.number().int().min(1).max(1_000_000).default(1),
      /** per journey, ahead of maxRedemptions: e.g. { "vip": 3 } */
      maxRedemptionsByJourney: z.record(z.string(), z.number().int().min(1).max(1_000_000)).default({}),
    })
    .prefault({}),
  /** A/B tests inside a step (see config/measurement.ts) */
  experiments: ExperimentsSchema,
  /** holdout groups per journey, e.g. { "win-back": { "percent": 5 } } */
  holdouts: HoldoutsSchema,
  engagement: z
    .object({
      /** a click this soon after the send is a security scanner's, not a person's */
      machineClickWithin: duration.default('5 seconds'),
      /** two different links of one email clicked this close together: a scanner */
      linkBurstWithin: duration.default('5 seconds'),
    })
    .prefault({}),
  guardrails: z
    .object({
      /** smart sending: at most this many marketing emails per customer per window (transactional never counts) */
      frequencyCapCount: z.number().int().min(1).default(1),
      frequencyCapWindow: duration.default('16 hours'),
      /** marketing sends between these local hours wait for the end (21 → 8 wraps midnight; equal = off) */
      quietHoursStart: z.number().int().min(0).max(23).default(21),
      quietHoursEnd: z.number().int().min(0).max(23).default(8),
      /** IANA zone for customers without a (valid) timezone */
      defaultTimezone: z.string().default('UTC'),
    })
    .prefault({}),
  /**
   * Who a journey starts for, by custom profile attribute: { "vip": { "tier": ["gold", "platinum"] } }
   * starts VIP only for customers whose `tier` is one of those (every attribute listed must match).
   * Read when an event would start the journey; journeys already running are not affected.
   */
  audiences: z.record(journeyNameKey, audience).default({}),
  /**
   * Who a step goes to, by custom attribute, checked in the send path when the step is sent (not
   * when the journey started): { "abandoned-cart": { "second-reminder": { "tier": ["gold"] } } }
   * sends the discount reminder to gold customers only; for anyone else it is skipped
   * (`outside_audience`, in the message log) and the journey goes on as after any skipped step.
   * Steps are those of the journey's `sendWindows`; marketing journeys only.
   */
  stepAudiences: z.record(journeyNameKey, z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a step name such as "second-reminder"'), audience)).default({}),
});

export type JourneysConfig = z.infer<typeof JourneysConfigSchema>;

export const defaultJourneysConfig: JourneysConfig = JourneysConfigSchema.parse({});

export function loadJourneysConfig(file: string | undefined): JourneysConfig {
  if (!file) return defaultJourneysConfig;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`JOURNEYS_CONFIG_FILE ${file}: ${(err as Error).message}`);
  }
  const parsed = JourneysConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`JOURNEYS_CONFIG_FILE ${file} is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Every journey by its one name (workflow-id prefix, `Journey` search attribute, name in the
 * API and the message log) and the settings section it reads. The routing table
 * (ingest/routes.ts) names its rows with these; the send path and dispatch read `enabled` here.
 */
export const journeySettingsSections = {
  welcome: 'welcome',
  order: 'order',
  'order-notice': 'orderNotice',
  'abandoned-cart': 'abandonedCart',
  'browse-abandonment': 'browseAbandonment',
  'back-in-stock': 'backInStock',
  'back-in-stock-restock': 'backInStock',
  'post-purchase': 'postPurchase',
  'win-back': 'winBack',
  sunset: 'sunset',
  vip: 'vip',
  birthday: 'birthday',
  'lead-nurture': 'leadNurture',
  replenishment: 'replenishment',
} as const satisfies Record<string, Exclude<keyof JourneysConfig, 'guardrails'>>;

export type JourneyName = keyof typeof journeySettingsSections;

export function isJourneyName(name: string): name is JourneyName {
  return Object.prototype.hasOwnProperty.call(journeySettingsSections, name);
}

/** Whether the journey runs when nobody has paused or resumed it through the API. */
export function enabledByDefault(config: JourneysConfig, journey: string): boolean {
  if (!isJourneyName(journey)) return true;
  return config[journeySettingsSections[journey]].enabled;
}

/**
 * Fails fast on a step audience for a journey or step that does not exist: a misspelt step would
 * silently send to everyone. A journey's steps are the keys of its `sendWindows`.
 */
export function checkStepAudiences(config: JourneysConfig): void {
  const problems: string[] = [];
  for (const [journey, steps] of Object.entries(config.stepAudiences ?? {})) {
    if (!isJourneyName(journey)) {
      problems.push(`no journey named ${journey}`);
      continue;
    }
    const section = config[journeySettingsSections[journey]] as { sendWindows?: Record<string, unknown> };
    const known = Object.keys(section.sendWindows ?? {});
    for (const step of Object.keys(steps)) {
      if (!known.includes(step)) problems.push(`${journey} has no step ${step} (steps: ${known.join(', ') || 'none'})`);
    }
  }
  if (problems.length) throw new Error(`JOURNEYS_CONFIG_FILE stepAudiences: ${problems.join('; ')}`);
}
