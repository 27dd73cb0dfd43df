import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import type { CouponView } from './components/coupon';

export interface WelcomeReminderEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function WelcomeReminderEmail({ context, coupon }: WelcomeReminderEmailProps) {
  const { t, date } = context.i18n;
  return (
    <Layout context={context} preview={t('welcomeReminder.preview', { percentOff: coupon.percentOff })}>
      <Heading style={heading}>{t('welcomeReminder.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('welcomeReminder.body', { percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) })}</Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('welcomeReminder.button')}
        </Button>
      </Section>
    </Layout>
  );
}

WelcomeReminderEmail.subject = (p: WelcomeReminderEmailProps) =>
  p.context.i18n.t('welcomeReminder.subject', { percentOff: p.coupon.percentOff, expiresOn: p.context.i18n.date(p.coupon.expiresAt) });

WelcomeReminderEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WELCOME-7KQ2-M9XD-4HPT', percentOff: 10, expiresAt: '2026-12-01T10:00:00.000Z' },
} satisfies WelcomeReminderEmailProps;

export default WelcomeReminderEmail;
