import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewCartItem, previewCartUrl, previewContext } from './components/preview-fixtures';
import { LineItems, describeItems, type LineItem } from './components/LineItems';
import type { CouponView } from './components/coupon';

export interface AbandonedCartDiscountEmailProps {
  context: EmailContext;
  cartUrl: string;
  /** only products still in stock: the send path drops sold-out ones at send time */
  items: LineItem[];
  coupon: CouponView;
}

export function AbandonedCartDiscountEmail({ context, cartUrl, items, coupon }: AbandonedCartDiscountEmailProps) {
  const { t, date } = context.i18n;
  const offer = { percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) };
  return (
    <Layout context={context} preview={t('abandonedCartDiscount.preview', { ...offer, items: describeItems(items, context.i18n) })}>
      <Heading style={heading}>{t('abandonedCartDiscount.heading', offer)}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('abandonedCartDiscount.body', offer)}</Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <LineItems items={items} i18n={context.i18n} />
      <Section>
        <Button href={cartUrl} style={button}>
          {t('abandonedCartDiscount.button')}
        </Button>
      </Section>
    </Layout>
  );
}

AbandonedCartDiscountEmail.subject = (p: AbandonedCartDiscountEmailProps) =>
  p.context.i18n.t('abandonedCartDiscount.subject', { percentOff: p.coupon.percentOff, expiresOn: p.context.i18n.date(p.coupon.expiresAt) });

AbandonedCartDiscountEmail.PreviewProps = {
  context: previewContext,
  cartUrl: previewCartUrl,
  items: [previewCartItem],
  coupon: { code: 'CART-Q7RT-2MXK-9HWP', percentOff: 10, expiresAt: '2026-03-17T09:30:00.000Z' },
} satisfies AbandonedCartDiscountEmailProps;

export default AbandonedCartDiscountEmail;
