import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { ProductRow } from './components/ProductRow';
import { colors, paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import type { ProductCard } from './components/product';
import { previewContext } from './components/preview-fixtures';

export type RecommendedProduct = ProductCard;

export interface CrossSellEmailProps {
  context: EmailContext;
  /** what the customer bought, to say why these are suggested */
  boughtTitle: string;
  /** related products in stock; the send path re-checks stock and drops sold-out ones */
  items: RecommendedProduct[];
}

const productTitle = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: 0 };
const price = { color: '#555', fontSize: '14px', lineHeight: '20px', margin: '0 0 8px' };
const smallButton = { ...button, fontSize: '13px', padding: '8px 14px' };

export function CrossSellEmail({ context, boughtTitle, items }: CrossSellEmailProps) {
  const { t, money } = context.i18n;
  return (
    <Layout context={context} preview={t('crossSell.subject', { boughtTitle })}>
      <Heading style={heading}>{t('crossSell.heading', { boughtTitle })}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('crossSell.body', { boughtTitle })}</Text>
      <Section>
        {items.map((item) => (
          <ProductRow key={item.productId} title={item.title} imageUrl={item.imageUrl} imageSize={88}>
            <Text style={productTitle}>{item.title}</Text>
            <Text style={price}>{money(item.price, item.currency)}</Text>
            <Button href={item.url} style={smallButton}>
              {t('crossSell.button')}
            </Button>
          </ProductRow>
        ))}
      </Section>
    </Layout>
  );
}

CrossSellEmail.subject = (p: CrossSellEmailProps) => p.context.i18n.t('crossSell.subject', { boughtTitle: p.boughtTitle });

CrossSellEmail.PreviewProps = {
  context: previewContext,
  boughtTitle: 'Tokoname kyusu teapot',
  items: [
    {
      productId: 'tea-cups',
      title: 'Hagi tea cups, set of 2',
      url: 'https://shop.example.com/p/tea-cups',
      price: 38,
      currency: 'EUR',
      imageUrl: 'https://shop.example.com/img/tea-cups.jpg',
    },
    { productId: 'gyokuro-50', title: 'Gyokuro, 50 g', url: 'https://shop.example.com/p/gyokuro-50', price: 24, currency: 'EUR' },
  ],
} satisfies CrossSellEmailProps;

export default CrossSellEmail;
