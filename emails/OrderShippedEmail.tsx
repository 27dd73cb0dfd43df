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
  return (
    <Layout context={context} preview={`Order ${orderId} is on its way${carrier ? ` with ${carrier}` : ''}`}>
      <Heading style={heading}>Your order is on its way</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        Good news: order <strong>{orderId}</strong> has shipped{carrier ? <> with {carrier}</> : null}.
        {trackingNumber ? (
          <>
            {' '}
            Tracking number: <strong>{trackingNumber}</strong>.
          </>
        ) : null}
      </Text>
      {trackingUrl ? (
        <Section>
          <Button href={trackingUrl} style={button}>
            Track your parcel
          </Button>
        </Section>
      ) : null}
      <LineItems items={items} locale={context.locale} />
    </Layout>
  );
}

OrderShippedEmail.subject = (p: OrderShippedEmailProps) =>
  `Order ${p.orderId} has shipped${p.carrier ? ` with ${p.carrier}` : ''}`;

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
