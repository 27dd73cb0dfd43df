import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';

export interface PurchasedItem {
  title: string;
  quantity: number;
}

export interface PostPurchaseThankYouEmailProps {
  context: EmailContext;
  orderId: string;
  /** the customer's very first order with the shop: a warmer welcome, no "again" */
  firstPurchase: boolean;
  items: PurchasedItem[];
}

function describe(items: PurchasedItem[]): string {
  const names = items.map((i) => (i.quantity > 1 ? `${i.quantity} × ${i.title}` : i.title));
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

export function PostPurchaseThankYouEmail({ context, orderId, firstPurchase, items }: PostPurchaseThankYouEmailProps) {
  return (
    <Layout
      context={context}
      preview={firstPurchase ? `Welcome to the ${context.shopName} family` : `Thanks for shopping with us again`}
    >
      <Heading style={heading}>
        {firstPurchase ? `Thank you for your first order!` : `Thank you for ordering again!`}
      </Heading>
      <Greeting context={context} />
      {firstPurchase ? (
        <Text style={paragraph}>
          We're thrilled you chose {context.shopName} for your first order ({orderId}). Your order of {describe(items)} is being
          looked after by our team, and we'll let you know the moment it ships.
        </Text>
      ) : (
        <Text style={paragraph}>
          It's great to see you back, and thanks for trusting us again. Order {orderId} ({describe(items)}) is being
          looked after, and we'll let you know the moment it ships.
        </Text>
      )}
      <Text style={paragraph}>If anything isn't right, just reply to this email: a real person reads every answer.</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          Visit {context.shopName}
        </Button>
      </Section>
    </Layout>
  );
}

PostPurchaseThankYouEmail.subject = (p: PostPurchaseThankYouEmailProps) =>
  p.firstPurchase ? `Thank you for your first order, ${p.context.firstName ?? 'friend'}!` : `Thanks for ordering again!`;

PostPurchaseThankYouEmail.PreviewProps = {
  context: previewContext,
  orderId: 'ORD-1042',
  firstPurchase: true,
  items: [
    { title: 'Sencha green tea, 100 g', quantity: 2 },
    { title: 'Tokoname kyusu teapot', quantity: 1 },
  ],
} satisfies PostPurchaseThankYouEmailProps;

export default PostPurchaseThankYouEmail;
