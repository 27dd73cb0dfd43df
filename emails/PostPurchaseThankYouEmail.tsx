import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting, ReplyToPerson } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import type { I18n } from './i18n';
import { previewContext } from './components/preview-fixtures';
import type { CouponView } from './components/coupon';

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
  /**
   * A next-order code (`postPurchase.nextOrderCoupon` in the journeys config; off by default).
   * Filled in by the send path when the journey asks for one.
   */
  coupon?: CouponView;
}

function describe(items: PurchasedItem[], i18n: I18n): string {
  const names = items.map((i) => (i.quantity > 1 ? i18n.t('items.quantityOf', { quantity: i.quantity, title: i.title }) : i.title));
  if (names.length <= 2) return i18n.list(names);
  return i18n.list([...names.slice(0, 2), i18n.t('items.countMore', { count: names.length - 2 })]);
}

export function PostPurchaseThankYouEmail({ context, orderId, firstPurchase, items, coupon }: PostPurchaseThankYouEmailProps) {
  const { t, date } = context.i18n;
  const shopName = context.shopName;
  const described = describe(items, context.i18n);
  return (
    <Layout
      context={context}
      preview={firstPurchase ? t('postPurchase.previewFirst', { shopName }) : t('postPurchase.previewAgain')}
    >
      <Heading style={heading}>{firstPurchase ? t('postPurchase.headingFirst') : t('postPurchase.headingAgain')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>
        {firstPurchase
          ? t('postPurchase.bodyFirst', { shopName, orderId, items: described })
          : t('postPurchase.bodyAgain', { orderId, items: described })}
      </Text>
      {coupon ? (
        <>
          <Text style={paragraph}>
            {t('postPurchase.nextOrderCoupon', { percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) })}
          </Text>
          <Text style={codeBox}>{coupon.code}</Text>
        </>
      ) : null}
      <ReplyToPerson context={context} />
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('layout.visitShop', { shopName })}
        </Button>
      </Section>
    </Layout>
  );
}

PostPurchaseThankYouEmail.subject = (p: PostPurchaseThankYouEmailProps) => {
  const { t } = p.context.i18n;
  if (!p.firstPurchase) return t('postPurchase.subjectAgain');
  return p.context.firstName ? t('postPurchase.subjectFirst', { firstName: p.context.firstName }) : t('postPurchase.subjectFirstAnonymous');
};

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
