import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import { LineItems, type LineItem } from './components/LineItems';
import { formatDate } from '../shared/format';
import type { CouponView } from './components/coupon';
import { describeItems } from './AbandonedCartEmail';

export interface AbandonedCartDiscountEmailProps {
  context: EmailContext;
  cartUrl: string;
  /** only products still in stock: the send path drops sold-out ones at send time */
  items: LineItem[];
  coupon: CouponView;
}

export function AbandonedCartDiscountEmail({ context, cartUrl, items, coupon }: AbandonedCartDiscountEmailProps) {
  return (
    <Layout context={context} preview={`${coupon.percentOff}% off ${describeItems(items)} — until ${formatDate(coupon.expiresAt, context.locale)}`}>
      <Heading style={heading}>{coupon.percentOff}% off your cart</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        Your cart is still waiting, so here is {coupon.percentOff}% off to make up your mind. The code is yours alone
        and expires on {formatDate(coupon.expiresAt, context.locale)}:
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <LineItems items={items} locale={context.locale} />
      <Section>
        <Button href={cartUrl} style={button}>
          Complete my order
        </Button>
      </Section>
    </Layout>
  );
}

AbandonedCartDiscountEmail.subject = (p: AbandonedCartDiscountEmailProps) =>
  `${p.coupon.percentOff}% off your cart — code expires ${formatDate(p.coupon.expiresAt, p.context.locale)}`;

AbandonedCartDiscountEmail.PreviewProps = {
  context: previewContext,
  cartUrl: 'https://shop.example.com/cart/c-81723',
  items: [
    {
      productId: 'tea-sencha',
      title: 'Sencha green tea, 100 g',
      price: 12.5,
      quantity: 2,
      currency: 'EUR',
      url: 'https://shop.example.com/p/tea-sencha',
    },
  ],
  coupon: { code: 'CART-Q7RT-2MXK-9HWP', percentOff: 10, expiresAt: '2026-03-17T09:30:00.000Z' },
} satisfies AbandonedCartDiscountEmailProps;

export default AbandonedCartDiscountEmail;
