import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { LineItems, type LineItem } from './components/LineItems';

export interface OrderDeliveredEmailProps {
  context: EmailContext;
  orderId: string;
  items: LineItem[];
}

export function OrderDeliveredEmail({ context, orderId, items }: OrderDeliveredEmailProps) {
  return (
    <Layout context={context} preview={`Order ${orderId} has been delivered`}>
      <Heading style={heading}>Your order has arrived</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        Order <strong>{orderId}</strong> has been delivered. We hope you enjoy it — if anything is not right, just
        reply to this email.
      </Text>
      <LineItems items={items} locale={context.locale} />
      <Section>
        <Button href={context.shopUrl} style={button}>
          Visit {context.shopName}
        </Button>
      </Section>
    </Layout>
  );
}

OrderDeliveredEmail.subject = (p: OrderDeliveredEmailProps) => `Order ${p.orderId} has been delivered`;

OrderDeliveredEmail.PreviewProps = {
  context: { ...previewContext, unsubscribeUrl: undefined },
  orderId: 'SO-10482',
  items: [{ productId: 'kyusu-pot', title: 'Tokoname kyusu teapot', price: 64, quantity: 1, currency: 'EUR' }],
} satisfies OrderDeliveredEmailProps;

export default OrderDeliveredEmail;
