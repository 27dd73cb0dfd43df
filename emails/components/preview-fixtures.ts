import { createI18n, type MessageOverrides } from '../i18n';
import type { EmailContext } from './email-context';
import type { LineItem } from './LineItems';

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

/** The cart the abandoned-cart reminders preview: one line of tea. */
export const previewCartUrl = 'https://shop.example.com/cart/c-81723';
export const previewCartItem: LineItem = {
  productId: 'tea-sencha',
  title: 'Sencha green tea, 100 g',
  price: 12.5,
  quantity: 2,
  currency: 'EUR',
  url: 'https://shop.example.com/p/tea-sencha',
};
