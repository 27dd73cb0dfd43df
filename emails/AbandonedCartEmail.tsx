import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { LineItems, type LineItem } from './components/LineItems';

export interface AbandonedCartEmailProps {
  context: EmailContext;
  cartUrl: string;
  /** only products still in stock: the send path drops sold-out ones at send time */
  items: LineItem[];
}

export function AbandonedCartEmail({ context, cartUrl, items }: AbandonedCartEmailProps) {
  return (
    <Layout context={context} preview={`You left ${describeItems(items)} in your cart`}>
      <Heading style={heading}>You left something behind</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>Your cart is saved. These are still in stock and waiting for you:</Text>
      <LineItems items={items} locale={context.locale} />
      <Section>
        <Button href={cartUrl} style={button}>
          Return to your cart
        </Button>
      </Section>
    </Layout>
  );
}

/** "Sencha green tea" or "Sencha green tea and 2 more" — for subjects and previews. */
export function describeItems(items: LineItem[]): string {
  if (items.length === 0) return 'your items';
  return items.length === 1 ? items[0].title : `${items[0].title} and ${items.length - 1} more`;
}

AbandonedCartEmail.subject = (p: AbandonedCartEmailProps) => `Still thinking about ${describeItems(p.items)}?`;

AbandonedCartEmail.PreviewProps = {
  context: previewContext,
  cartUrl: 'https://shop.example.com/cart/c-81723',
  items: [
    {
      productId: 'tea-sencha',
      title: 'Sencha green tea, 100 g',
      price: 12.5,
      quantity: 2,
      currency: 'EUR',
      url: 'https://shop.example.com/p/tea-sencha',
      imageUrl: 'https://shop.example.com/img/tea-sencha.jpg',
    },
  ],
} satisfies AbandonedCartEmailProps;

export default AbandonedCartEmail;
