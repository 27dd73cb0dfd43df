import * as React from 'react';
import { Column, Heading, Row, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { LineItems, type LineItem } from './components/LineItems';

export interface OrderConfirmationEmailProps {
  context: EmailContext;
  orderId: string;
  placedAt: string;
  items: LineItem[];
  total: number;
  currency: string;
}

const totalLabel = { ...paragraph, fontWeight: 700, margin: 0 };

export function OrderConfirmationEmail({ context, orderId, placedAt, items, total, currency }: OrderConfirmationEmailProps) {
  const { t, rich, money, date } = context.i18n;
  const formattedTotal = money(total, currency);
  return (
    <Layout context={context} preview={t('orderConfirmation.preview', { orderId, total: formattedTotal })}>
      <Heading style={heading}>{t('orderConfirmation.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{rich('orderConfirmation.body', { orderId: <strong>{orderId}</strong>, placedOn: date(placedAt) })}</Text>
      <LineItems items={items} i18n={context.i18n} />
      <Section>
        <Row>
          <Column>
            <Text style={totalLabel}>{t('orderConfirmation.total')}</Text>
          </Column>
          <Column style={{ width: '140px' }}>
            <Text style={{ ...totalLabel, textAlign: context.i18n.end }}>{formattedTotal}</Text>
          </Column>
        </Row>
      </Section>
    </Layout>
  );
}

OrderConfirmationEmail.subject = (p: OrderConfirmationEmailProps) =>
  p.context.i18n.t('orderConfirmation.subject', { orderId: p.orderId, total: p.context.i18n.money(p.total, p.currency) });

OrderConfirmationEmail.PreviewProps = {
  context: { ...previewContext, unsubscribeUrl: undefined },
  orderId: 'SO-10482',
  placedAt: '2026-03-14T09:30:00.000Z',
  items: [
    { productId: 'tea-sencha', title: 'Sencha green tea, 100 g', price: 12.5, quantity: 2, currency: 'EUR' },
    { productId: 'kyusu-pot', title: 'Tokoname kyusu teapot', price: 64, quantity: 1, currency: 'EUR' },
  ],
  total: 93.95,
  currency: 'EUR',
} satisfies OrderConfirmationEmailProps;

export default OrderConfirmationEmail;
