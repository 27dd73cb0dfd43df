import { createI18n, type MessageOverrides } from '../i18n';
import type { EmailContext } from './email-context';

/**
 * Made-up data for templates' `PreviewProps` (`npm run email:preview`, template tests, the send
 * benchmark). Never used for a real send: the send path builds the context from the customer.
 */
export const previewContext: EmailContext = {
  shopName: 'Journeys Shop',
  shopUrl: 'https://shop.example.com',
  postalAddress: 'Journeys Shop, 1 Example Street, 10115 Berlin, Germany',
  firstName: 'Ada',
  i18n: createI18n({ customerLocale: 'en-GB' }),
  locale: 'en-GB',
  unsubscribeUrl: 'https://shop.example.com/u/preview-token',
  repliesReachAPerson: true,
  marketingEmailsPerWeek: 2,
};

/** The preview context in another locale ('ar', 'de-AT', …), as the send path would build it. */
export function previewContextIn(locale: string, overrides?: MessageOverrides): EmailContext {
  const i18n = createI18n({ customerLocale: locale, overrides });
  return { ...previewContext, i18n, locale: i18n.locale };
}
