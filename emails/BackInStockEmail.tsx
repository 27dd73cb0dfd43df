import * as React from 'react';
import { Button, Heading, Img, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { formatMoney } from '../shared/format';
import type { ProductCard } from './components/product';

export type RestockedProduct = ProductCard;

export interface BackInStockEmailProps {
  context: EmailContext;
  /**
   * The product the customer asked about, as a one-item list so the send path's stock check
   * (which filters `items`) re-checks it right before sending.
   */
  items: [RestockedProduct];
}

export function BackInStockEmail({ context, items: [product] }: BackInStockEmailProps) {
  return (
    <Layout context={context} preview={`${product.title} is back in stock`}>
      <Heading style={heading}>It's back: {product.title}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        You asked us to tell you when <strong>{product.title}</strong> is available again. It is back in stock now
        for {formatMoney(product.price, product.currency, context.locale)} — stock is limited, so don't wait too
        long.
      </Text>
      {product.imageUrl ? (
        <Section>
          <Img src={product.imageUrl} alt={product.title} width="240" />
        </Section>
      ) : null}
      <Section>
        <Button href={product.url} style={button}>
          Shop it now
        </Button>
      </Section>
    </Layout>
  );
}

BackInStockEmail.subject = (p: BackInStockEmailProps) => `Back in stock: ${p.items[0].title}`;

BackInStockEmail.PreviewProps = {
  context: { ...previewContext, unsubscribeUrl: undefined },
  items: [
    {
      productId: 'kyusu-pot',
      title: 'Tokoname kyusu teapot',
      price: 64,
      currency: 'EUR',
      url: 'https://shop.example.com/p/kyusu-pot',
      imageUrl: 'https://shop.example.com/img/kyusu-pot.jpg',
    },
  ],
} satisfies BackInStockEmailProps;

export default BackInStockEmail;
