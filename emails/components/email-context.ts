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
  locale?: string;
  /** present on marketing mail only; transactional mail carries no unsubscribe link */
  unsubscribeUrl?: string;
}
