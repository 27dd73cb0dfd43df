import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import type { CouponView } from './components/coupon';

export interface VipInvitationEmailProps {
  context: EmailContext;
  coupon: CouponView;
  /** orders placed when the customer qualified */
  orderCount: number;
}

export function VipInvitationEmail({ context, coupon, orderCount }: VipInvitationEmailProps) {
  const { t, date } = context.i18n;
  return (
    <Layout context={context} preview={t('vip.preview', { shopName: context.shopName, percentOff: coupon.percentOff })}>
      <Heading style={heading}>{t('vip.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('vip.body', { orderCount, percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) })}</Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Text style={paragraph}>{t('vip.exclusive')}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('vip.button')}
        </Button>
      </Section>
    </Layout>
  );
}

VipInvitationEmail.subject = (p: VipInvitationEmailProps) => p.context.i18n.t('vip.subject', { percentOff: p.coupon.percentOff });

VipInvitationEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'VIP-7KQ2-M9XD-4HPT', percentOff: 20, expiresAt: '2026-12-31T10:00:00.000Z' },
  orderCount: 5,
} satisfies VipInvitationEmailProps;

export default VipInvitationEmail;
