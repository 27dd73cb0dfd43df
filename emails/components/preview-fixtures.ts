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
  locale: 'en-GB',
  unsubscribeUrl: 'https://shop.example.com/u/preview-token',
};
