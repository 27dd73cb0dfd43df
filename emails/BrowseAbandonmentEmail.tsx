import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { ProductRow } from './components/ProductRow';
import { colors, paragraph, heading, subheading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import type { ProductCard } from './components/product';
import { previewContext } from './components/preview-fixtures';

export interface BrowseAbandonmentEmailProps {
  context: EmailContext;
  /** the viewed products in stock, the latest view first; the send path re-checks stock */
  items: ProductCard[];
  /** related products in stock, neither viewed nor bought */
  related: ProductCard[];
}

const productTitle = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: 0 };
const price = { color: '#555', fontSize: '14px', lineHeight: '20px', margin: '0 0 8px' };
const smallButton = { ...button, fontSize: '13px', padding: '8px 14px' };

function Products({ context, products }: { context: EmailContext; products: ProductCard[] }) {
  const { t, money } = context.i18n;
  return (
    <Section>
      {products.map((item) => (
        <ProductRow key={item.productId} title={item.title} imageUrl={item.imageUrl} imageSize={88}>
          <Text style={productTitle}>{item.title}</Text>
          <Text style={price}>{money(item.price, item.currency)}</Text>
          <Button href={item.url} style={smallButton}>
            {t('browse.button')}
          </Button>
        </ProductRow>
      ))}
    </Section>
  );
}

/** Marketing: the products a customer looked at and did not buy, with a few related ones. */
export function BrowseAbandonmentEmail(props: BrowseAbandonmentEmailProps) {
  const { context, items, related } = props;
  const { t } = context.i18n;
  return (
    <Layout context={context} preview={BrowseAbandonmentEmail.subject(props)}>
      <Heading style={heading}>{t('browse.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('browse.intro', { count: items.length })}</Text>
      <Products context={context} products={items} />
      {related.length > 0 && (
        <>
          <Heading as="h2" style={subheading}>
            {t('browse.relatedHeading')}
          </Heading>
          <Products context={context} products={related} />
        </>
      )}
    </Layout>
  );
}

BrowseAbandonmentEmail.subject = (p: BrowseAbandonmentEmailProps) => p.context.i18n.t('browse.subject', { title: p.items[0]?.title ?? '' });

BrowseAbandonmentEmail.PreviewProps = {
  context: previewContext,
  items: [{ productId: 'kyusu-pot', title: 'Tokoname kyusu teapot', price: 64, currency: 'EUR', url: 'https://shop.example.com/p/kyusu-pot' }],
  related: [{ productId: 'hagi-cups', title: 'Hagi cups, set of two', price: 38, currency: 'EUR', url: 'https://shop.example.com/p/hagi-cups' }],
} satisfies BrowseAbandonmentEmailProps;

export default BrowseAbandonmentEmail;
