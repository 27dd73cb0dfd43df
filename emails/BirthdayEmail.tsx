import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout } from './components/Layout';
import { paragraph, heading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import type { CouponView } from './components/coupon';

export interface BirthdayEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

export function BirthdayEmail({ context, coupon }: BirthdayEmailProps) {
  const { t, date } = context.i18n;
  const firstName = context.firstName;
  return (
    <Layout context={context} preview={t('birthday.preview', { percentOff: coupon.percentOff, shopName: context.shopName })}>
      <Heading style={heading}>{firstName ? t('birthday.heading', { firstName }) : t('birthday.headingAnonymous')}</Heading>
      <Text style={paragraph}>
        {t('birthday.body', { shopName: context.shopName, percentOff: coupon.percentOff, expiresOn: date(coupon.expiresAt) })}
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('birthday.button')}
        </Button>
      </Section>
    </Layout>
  );
}

BirthdayEmail.subject = (p: BirthdayEmailProps) => {
  const { t } = p.context.i18n;
  const firstName = p.context.firstName;
  return firstName
    ? t('birthday.subject', { firstName, percentOff: p.coupon.percentOff })
    : t('birthday.subjectAnonymous', { percentOff: p.coupon.percentOff });
};

BirthdayEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'BDAY-7KQ2-M9XD-4HPT', percentOff: 15, expiresAt: '2026-12-15T10:00:00.000Z' },
} satisfies BirthdayEmailProps;

export default BirthdayEmail;
