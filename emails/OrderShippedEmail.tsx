import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { LineItems, type LineItem } from './components/LineItems';

export interface OrderShippedEmailProps {
  context: EmailContext;
  orderId: string;
  items: LineItem[];
  /** the shop may ship without telling us the carrier or a tracking link */
  carrier?: string;
  trackingNumber?: string;
  trackingUrl?: string;
}

export function OrderShippedEmail({ context, orderId, items, carrier, trackingNumber, trackingUrl }: OrderShippedEmailProps) {
  const { t, rich } = context.i18n;
  const order = <strong>{orderId}</strong>;
  return (
    <Layout
      context={context}
      preview={carrier ? t('orderShipped.previewWithCarrier', { orderId, carrier }) : t('orderShipped.preview', { orderId })}
    >
      <Heading style={heading}>{t('orderShipped.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        {carrier ? rich('orderShipped.bodyWithCarrier', { orderId: order, carrier }) : rich('orderShipped.body', { orderId: order })}
        {trackingNumber ? <> {rich('orderShipped.trackingNumber', { trackingNumber: <strong>{trackingNumber}</strong> })}</> : null}
      </Text>
      {trackingUrl ? (
        <Section>
          <Button href={trackingUrl} style={button}>
            {t('orderShipped.trackButton')}
          </Button>
        </Section>
      ) : null}
      <LineItems items={items} i18n={context.i18n} />
    </Layout>
  );
}

OrderShippedEmail.subject = (p: OrderShippedEmailProps) =>
  p.carrier
    ? p.context.i18n.t('orderShipped.subjectWithCarrier', { orderId: p.orderId, carrier: p.carrier })
    : p.context.i18n.t('orderShipped.subject', { orderId: p.orderId });

OrderShippedEmail.PreviewProps = {
  context: { ...previewContext, unsubscribeUrl: undefined },
  orderId: 'SO-10482',
  items: [
    { productId: 'tea-sencha', title: 'Sencha green tea, 100 g', price: 12.5, quantity: 2, currency: 'EUR' },
    { productId: 'kyusu-pot', title: 'Tokoname kyusu teapot', price: 64, quantity: 1, currency: 'EUR' },
  ],
  carrier: 'DHL',
  trackingNumber: 'JD014600006281230704',
  trackingUrl: 'https://www.dhl.de/en/privatkunden/pakete-empfangen/verfolgen.html?piececode=JD014600006281230704',
} satisfies OrderShippedEmailProps;

export default OrderShippedEmail;
