import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { ProductRow } from './components/ProductRow';
import { colors, paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';

export interface ItemToReview {
  productId: string;
  title: string;
  /** the product's page (where its reviews live), or the shop when it has none */
  reviewUrl: string;
  imageUrl?: string;
}

export interface ReviewRequestEmailProps {
  context: EmailContext;
  orderId: string;
  items: ItemToReview[];
}

const itemTitle = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: '0 0 8px' };
const smallButton = { ...button, fontSize: '13px', padding: '8px 14px' };

export function ReviewRequestEmail({ context, orderId, items }: ReviewRequestEmailProps) {
  const { t } = context.i18n;
  const one = items.length === 1;
  return (
    <Layout context={context} preview={one ? t('reviewRequest.previewOne', { title: items[0].title }) : t('reviewRequest.subjectMany')}>
      <Heading style={heading}>{one ? t('reviewRequest.headingOne', { title: items[0].title }) : t('reviewRequest.headingMany')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('reviewRequest.body', { orderId })}</Text>
      <Section>
        {items.map((item) => (
          <ProductRow key={item.productId} title={item.title} imageUrl={item.imageUrl} imageSize={64}>
            <Text style={itemTitle}>{item.title}</Text>
            <Button href={item.reviewUrl} style={smallButton}>
              {t('reviewRequest.button', { title: item.title })}
            </Button>
          </ProductRow>
        ))}
      </Section>
    </Layout>
  );
}

ReviewRequestEmail.subject = (p: ReviewRequestEmailProps) =>
  p.items.length === 1 ? p.context.i18n.t('reviewRequest.subjectOne', { title: p.items[0].title }) : p.context.i18n.t('reviewRequest.subjectMany');

ReviewRequestEmail.PreviewProps = {
  context: previewContext,
  orderId: 'ORD-1042',
  items: [
    {
      productId: 'sencha-100',
      title: 'Sencha green tea, 100 g',
      reviewUrl: 'https://shop.example.com/p/sencha-100',
      imageUrl: 'https://shop.example.com/img/sencha-100.jpg',
    },
    { productId: 'kyusu-pot', title: 'Tokoname kyusu teapot', reviewUrl: 'https://shop.example.com/p/kyusu-pot' },
  ],
} satisfies ReviewRequestEmailProps;

export default ReviewRequestEmail;
