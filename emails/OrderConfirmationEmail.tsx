import * as React from 'react';
import { Column, Heading, Row, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { LineItems, type LineItem } from './components/LineItems';
import { formatDate, formatMoney } from '../shared/format';

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
  const formattedTotal = formatMoney(total, currency, context.locale);
  return (
    <Layout context={context} preview={`Order ${orderId} confirmed: ${formattedTotal}`}>
      <Heading style={heading}>Thanks for your order</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        We have received your order <strong>{orderId}</strong> of {formatDate(placedAt, context.locale)} and are
        getting it ready. We will email you again when it ships.
      </Text>
      <LineItems items={items} locale={context.locale} />
      <Section>
        <Row>
          <Column>
            <Text style={totalLabel}>Total</Text>
          </Column>
          <Column style={{ width: '140px' }}>
            <Text style={{ ...totalLabel, textAlign: 'right' }}>{formattedTotal}</Text>
          </Column>
        </Row>
      </Section>
    </Layout>
  );
}

OrderConfirmationEmail.subject = (p: OrderConfirmationEmailProps) =>
  `Order ${p.orderId} confirmed — ${formatMoney(p.total, p.currency, p.context.locale)}`;

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
