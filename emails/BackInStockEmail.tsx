import * as React from 'react';
import { Button, Heading, Img, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import type { ProductCard } from './components/product';
import { previewContext } from './components/preview-fixtures';

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
  const { t, rich, money } = context.i18n;
  return (
    <Layout context={context} preview={t('backInStock.preview', { title: product.title })}>
      <Heading style={heading}>{t('backInStock.heading', { title: product.title })}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        {rich('backInStock.body', { title: <strong>{product.title}</strong>, price: money(product.price, product.currency) })}
      </Text>
      {product.imageUrl ? (
        <Section>
          <Img src={product.imageUrl} alt={product.title} width="240" />
        </Section>
      ) : null}
      <Section>
        <Button href={product.url} style={button}>
          {t('backInStock.button')}
        </Button>
      </Section>
    </Layout>
  );
}

BackInStockEmail.subject = (p: BackInStockEmailProps) => p.context.i18n.t('backInStock.subject', { title: p.items[0].title });

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
