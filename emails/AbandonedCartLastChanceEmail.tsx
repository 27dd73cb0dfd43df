import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewCartItem, previewCartUrl, previewContext } from './components/preview-fixtures';
import { LineItems, describeItems, type LineItem } from './components/LineItems';
import type { CouponView } from './components/coupon';

export interface AbandonedCartLastChanceEmailProps {
  context: EmailContext;
  cartUrl: string;
  /** only products still in stock: the send path drops sold-out ones at send time */
  items: LineItem[];
  /** when the third reminder is configured with an offer */
  coupon?: CouponView;
}

/**
 * The third abandoned-cart reminder says that it is the last one: a customer who wanted the cart
 * gets a clear nudge, one who did not learns that the reminders stop here.
 */
export function AbandonedCartLastChanceEmail({ context, cartUrl, items, coupon }: AbandonedCartLastChanceEmailProps) {
  const { t, date } = context.i18n;
  const described = describeItems(items, context.i18n);
  return (
    <Layout context={context} preview={t('abandonedCartLastChance.preview', { items: described })}>
      <Heading style={heading}>{t('abandonedCartLastChance.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('abandonedCartLastChance.body')}</Text>
      {coupon ? (
        <>
          <Text style={paragraph}>{t('abandonedCartLastChance.offer', { percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) })}</Text>
          <Text style={codeBox}>{coupon.code}</Text>
        </>
      ) : null}
      <LineItems items={items} i18n={context.i18n} />
      <Section>
        <Button href={cartUrl} style={button}>
          {t('abandonedCartLastChance.button')}
        </Button>
      </Section>
    </Layout>
  );
}

AbandonedCartLastChanceEmail.subject = (p: AbandonedCartLastChanceEmailProps) => {
  const { t, date } = p.context.i18n;
  const items = describeItems(p.items, p.context.i18n);
  return p.coupon
    ? t('abandonedCartLastChance.subjectWithOffer', { items, percentOff: p.coupon.percentOff, expiresOn: date(p.coupon.expiresAt) })
    : t('abandonedCartLastChance.subject', { items });
};

AbandonedCartLastChanceEmail.PreviewProps = {
  context: previewContext,
  cartUrl: previewCartUrl,
  items: [previewCartItem],
  coupon: { code: 'CART-L4ST-7NQD-3WZE', percentOff: 15, expiresAt: '2026-03-19T09:30:00.000Z' },
} satisfies AbandonedCartLastChanceEmailProps;

export default AbandonedCartLastChanceEmail;
