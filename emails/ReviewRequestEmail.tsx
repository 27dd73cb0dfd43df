import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { ProductRow } from './components/ProductRow';
import { Layout, Greeting } from './components/Layout';
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
  const one = items.length === 1;
  return (
    <Layout context={context} preview={`How do you like ${one ? items[0].title : 'your order'}?`}>
      <Heading style={heading}>How is {one ? items[0].title : 'your order'}?</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        Your order {orderId} arrived a few days ago. Would you share what you think? A short review helps other
        customers choose — and tells us what to keep doing.
      </Text>
      <Section>
        {items.map((item) => (
          <ProductRow key={item.productId} title={item.title} imageUrl={item.imageUrl} imageSize={64}>
            <Text style={itemTitle}>{item.title}</Text>
            <Button href={item.reviewUrl} style={smallButton}>
              Review {item.title}
            </Button>
          </ProductRow>
        ))}
      </Section>
    </Layout>
  );
}

ReviewRequestEmail.subject = (p: ReviewRequestEmailProps) =>
  p.items.length === 1 ? `How do you like your ${p.items[0].title}?` : `How do you like your order?`;

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
