import type { Pool } from 'pg';
import type { Mailer } from './email/mailer';
import { createGuardrails, createPermissionGuardrails, type Guardrail } from './guardrails';
import { checkStepAudiences, defaultJourneysConfig, type JourneysConfig } from '../config/journeys';
import { sendMessage } from './send-message';
import { toMs } from '../shared/durations';
import { decideWinnerIfReady, experimentFor } from './experiments';
import { isTemplateName } from './email/render';
import type { Experiment } from '../config/measurement';
import type { SendMessageInput } from './types';
import { findProducts } from './catalog';
import {
  claimBackInStockBatch,
  renewBackInStockSubscription,
  requeueBackInStockSubscribers,
  settleBackInStockSubscription,
} from './back-in-stock';
import { createPurchaseLifecycleActivities } from './purchase-lifecycle';
import { createBirthdayActivities } from './birthday';
import { createNurtureActivities, defaultNurtureCatalogPath } from './nurture-catalog';
import { createWelcomeNudgeActivities } from './welcome-nudge';
import { createReplenishmentActivities } from './replenishment';
import { createOrderChangeActivities } from './order-changes';
import { createBrowseActivities } from './browse';
import { createSunsetActivities, type EnqueueEvents } from './sunset';
import { watchMessageOverrides } from './email/message-overrides';
import type { MailIdentity } from './send-message';
import { defaultPseudonymSecret } from '../config/env';

export interface ActivityDeps {
  db: Pool;
  mailer: Mailer;
  /** injectable so tests can pin "now" (quiet hours, caps, coupon expiry) */
  clock?: () => Date;
  guardrails?: Guardrail[];
  /** the event store's enqueue (ingest/store.ts), for the sunset sweep's lapse events */
  enqueueEvents?: EnqueueEvents;
  config: {
    publicUrl: string;
    shopUrl?: string;
    tokenSecret: string;
    /** PSEUDONYM_SECRET (config.pseudonymSecret): keys ids that outlive an erasure; default derived from tokenSecret, as loadConfig does */
    pseudonymSecret?: string;
    mail: MailIdentity;
    /** the default locale for customers whose language is not shipped (SHOP_LOCALE; default en) */
    shopLocale?: string;
    /** the shop's string overrides (EMAIL_MESSAGES_FILE); default content/email-messages.json */
    messageOverridesPath?: string;
    /** the guardrails section (quiet hours, frequency cap), coupons and each journey's `enabled`; defaults when omitted */
    journeys?: Partial<JourneysConfig>;
    /** the lead-nurture content catalog; default content/nurture-catalog.json */
    nurtureCatalogPath?: string;
  };
}

/**
 * Every activity the worker registers, built from explicit dependencies (no module-level
 * singletons). Workflows import `type Activities` only and proxy what they call.
 */
export function createActivities(deps: ActivityDeps) {
  const now = deps.clock ?? (() => new Date());
  const measurement = { experiments: deps.config.journeys?.experiments ?? [], holdouts: deps.config.journeys?.holdouts ?? {} };
  // Fail at start, not at the first send: a variant may only name a template that exists.
  for (const experiment of measurement.experiments) {
    for (const variant of experiment.variants) {
      if (variant.template && !isTemplateName(variant.template)) {
        throw new Error(`JOURNEYS_CONFIG_FILE experiments ${experiment.id}: variant ${variant.name} names unknown template ${variant.template}`);
      }
    }
  }
  // A misspelt step in stepAudiences would send to everyone: refuse it here, as the API does.
  checkStepAudiences({ ...defaultJourneysConfig, ...deps.config.journeys });
  const decideWinner = autoWinnerCheck(deps.db, now);
  const journeysConfig: JourneysConfig = { ...defaultJourneysConfig, ...deps.config.journeys };
  const sendDeps = {
    db: deps.db,
    mailer: deps.mailer,
    now,
    guardrails: deps.guardrails ?? createGuardrails(deps.config.journeys?.guardrails, journeysConfig),
    permissionGuardrails: createPermissionGuardrails(journeysConfig),
    mail: deps.config.mail,
    publicUrl: deps.config.publicUrl,
    shopUrl: deps.config.shopUrl ?? deps.config.publicUrl,
    tokenSecret: deps.config.tokenSecret,
    maxCouponRedemptions: (journey: string) => {
      const coupons = deps.config.journeys?.coupons ?? defaultJourneysConfig.coupons;
      return coupons.maxRedemptionsByJourney[journey] ?? coupons.maxRedemptions;
    },
    measurement,
    recentMarketingWindowMs: toMs((deps.config.journeys?.guardrails ?? defaultJourneysConfig.guardrails).frequencyCapWindow),
    locales: { shopLocale: deps.config.shopLocale, overrides: watchMessageOverrides(deps.config.messageOverridesPath) },
  };
  return {
    sendMessage: async (input: SendMessageInput) => {
      const outcome = await sendMessage(sendDeps, input);
      const experiment = outcome.status === 'sent' ? experimentFor(measurement, input) : undefined;
      if (experiment?.autoWinner) await decideWinner(experiment);
      return outcome;
    },
    ...createPurchaseLifecycleActivities({ db: deps.db, now, shopUrl: sendDeps.shopUrl }),
    findProducts: (productIds: string[]) => findProducts(deps.db, productIds),
    claimBackInStockBatch: (request: Parameters<typeof claimBackInStockBatch>[1]) =>
      claimBackInStockBatch(deps.db, request, now()),
    settleBackInStockSubscription: (update: Parameters<typeof settleBackInStockSubscription>[1]) =>
      settleBackInStockSubscription(deps.db, update),
    requeueBackInStockSubscribers: (request: Parameters<typeof requeueBackInStockSubscribers>[1]) =>
      requeueBackInStockSubscribers(deps.db, request, now()),
    renewBackInStockSubscription: (request: Parameters<typeof renewBackInStockSubscription>[1]) =>
      renewBackInStockSubscription(deps.db, request),
    ...createBirthdayActivities({ db: deps.db }),
    ...createOrderChangeActivities({ db: deps.db }),
    ...createBrowseActivities({ db: deps.db }),
    ...createSunsetActivities({
      db: deps.db,
      config: journeysConfig,
      now,
      enqueueEvents: deps.enqueueEvents,
      pseudonymSecret: deps.config.pseudonymSecret ?? defaultPseudonymSecret(deps.config.tokenSecret),
    }),
    ...createNurtureActivities({ db: deps.db, catalogPath: deps.config.nurtureCatalogPath }),
    ...createWelcomeNudgeActivities({ db: deps.db, catalogPath: deps.config.nurtureCatalogPath ?? defaultNurtureCatalogPath, now }),
    ...createReplenishmentActivities({
      db: deps.db,
      publicUrl: deps.config.publicUrl,
      tokenSecret: deps.config.tokenSecret,
      defaultTimezone: (deps.config.journeys?.guardrails ?? defaultJourneysConfig.guardrails).defaultTimezone,
      now: () => now().getTime(),
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** How often one worker process looks at an experiment's evidence for an auto-winner. */
const AUTO_WINNER_CHECK_INTERVAL_MS = 60_000;

/**
 * The auto-winner check after a send of an experiment step, at most once a minute per
 * experiment and process (the decision itself is unique in the database). A failing check
 * never fails the send that triggered it: the next one looks again.
 */
function autoWinnerCheck(db: Pool, now: () => Date) {
  const checkedAt = new Map<string, number>();
  return async (experiment: Experiment) => {
    const last = checkedAt.get(experiment.id) ?? -Infinity;
    if (now().getTime() - last < AUTO_WINNER_CHECK_INTERVAL_MS) return;
    checkedAt.set(experiment.id, now().getTime());
    await decideWinnerIfReady(db, experiment).catch(() => undefined);
  };
}
