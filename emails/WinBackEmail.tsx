import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import type { CouponView } from './components/coupon';

export interface WinBackEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function WinBackEmail({ context, coupon }: WinBackEmailProps) {
  const { t, date } = context.i18n;
  const offer = { percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) };
  return (
    <Layout context={context} preview={t('winBack.preview', offer)}>
      <Heading style={heading}>{t('winBack.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('winBack.body', { ...offer, shopName: context.shopName })}</Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('winBack.button')}
        </Button>
      </Section>
    </Layout>
  );
}

WinBackEmail.subject = (p: WinBackEmailProps) => p.context.i18n.t('winBack.subject', { percentOff: p.coupon.percentOff });

WinBackEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WINBACK-7KQ2-M9XD-4HPT', percentOff: 15, expiresAt: '2026-12-01T10:00:00.000Z' },
} satisfies WinBackEmailProps;

export default WinBackEmail;
