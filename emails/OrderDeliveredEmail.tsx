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
  const { t, rich } = context.i18n;
  return (
    <Layout context={context} preview={t('orderDelivered.subject', { orderId })}>
      <Heading style={heading}>{t('orderDelivered.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{rich('orderDelivered.body', { orderId: <strong>{orderId}</strong> })}</Text>
      <LineItems items={items} i18n={context.i18n} />
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('layout.visitShop', { shopName: context.shopName })}
        </Button>
      </Section>
    </Layout>
  );
}

OrderDeliveredEmail.subject = (p: OrderDeliveredEmailProps) => p.context.i18n.t('orderDelivered.subject', { orderId: p.orderId });

OrderDeliveredEmail.PreviewProps = {
  context: { ...previewContext, unsubscribeUrl: undefined },
  orderId: 'SO-10482',
  items: [{ productId: 'kyusu-pot', title: 'Tokoname kyusu teapot', price: 64, quantity: 1, currency: 'EUR' }],
} satisfies OrderDeliveredEmailProps;

export default OrderDeliveredEmail;
