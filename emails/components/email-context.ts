import type { I18n } from '../i18n';

/** A custom profile attribute's value (see ingest/event-schemas.ts `CustomerAttributesSchema`). */
export type AttributeValue = string | number | boolean;

/**
 * What every email gets from the send path rather than from the journey: who it is for, who
 * sends it, and (for marketing mail) the signed unsubscribe link. Templates take it as the
 * `context` prop so that the footer is built in exactly one place.
 */
export interface EmailContext {
  shopName: string;
  shopUrl: string;
  postalAddress: string;
  firstName?: string;
  /**
   * The copy and formatting in the customer's language (`createI18n` in emails/i18n.ts): every
   * word a template shows comes from `i18n.t` / `i18n.rich`, every date and amount from
   * `i18n.date` / `i18n.money`.
   */
  i18n: I18n;
  /** the locale dates and money are formatted for (= `i18n.locale`; kept for older call sites) */
  locale?: string;
  /** present on marketing mail only; transactional mail carries no unsubscribe link */
  unsubscribeUrl?: string;
  /**
   * present on marketing mail only: the signed "yes, keep me subscribed" link of this message
   * (`/k/<token>`), which counts as engagement; the sunset email's button
   */
  keepSubscribedUrl?: string;
  /** MAIL_REPLY_TO is set: replies reach a person, and the email may say so */
  repliesReachAPerson?: boolean;
  /** marketing emails a subscriber gets in a typical week, as the shop states it (welcome copy) */
  marketingEmailsPerWeek?: number;
  /** the customer's custom profile attributes (tier, favoriteCategory, …), for personalisation */
  attributes?: Record<string, AttributeValue>;
}
