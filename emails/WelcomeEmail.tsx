import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting, ReplyToPerson } from './components/Layout';
import { paragraph, heading, subheading, button, codeBox } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';
import type { CouponView } from './components/coupon';

export interface WelcomeEmailProps {
  context: EmailContext;
  coupon: CouponView;
}

/**
 * What a good welcome says: who the shop is (`welcome.intro`, the shop's own words through a
 * message override), the code, what the subscriber will get and how often, and that replies
 * reach a person.
 */
export function WelcomeEmail({ context, coupon }: WelcomeEmailProps) {
  const { t } = context.i18n;
  const shopName = context.shopName;
  // a custom profile attribute the shop may send (customer.created `attributes`)
  const favoriteCategory = context.attributes?.favoriteCategory;
  return (
    <Layout context={context} preview={t('welcome.preview', { shopName, percentOff: coupon.percentOff })}>
      <Heading style={heading}>{t('welcome.heading', { shopName })}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('welcome.intro', { shopName })}</Text>
      {typeof favoriteCategory === 'string' && favoriteCategory ? (
        <Text style={paragraph}>{t('welcome.favoriteCategory', { category: favoriteCategory })}</Text>
      ) : null}
      <Text style={paragraph}>
        {t('welcome.coupon', { percentOff: coupon.percentOff, expiresOn: context.i18n.date(coupon.expiresAt) })}
      </Text>
      <Text style={codeBox}>{coupon.code}</Text>
      <Section>
        <Button href={context.shopUrl} style={button}>
          {t('welcome.button')}
        </Button>
      </Section>
      <Heading as="h2" style={subheading}>
        {t('welcome.expectHeading')}
      </Heading>
      <Text style={paragraph}>{t('welcome.expect', { perWeek: context.marketingEmailsPerWeek ?? 1 })}</Text>
      <Text style={paragraph}>{t('welcome.unsubscribeAnyTime')}</Text>
      <ReplyToPerson context={context} />
    </Layout>
  );
}

WelcomeEmail.subject = (p: WelcomeEmailProps) =>
  p.context.i18n.t('welcome.subject', { shopName: p.context.shopName, percentOff: p.coupon.percentOff });

WelcomeEmail.PreviewProps = {
  context: previewContext,
  coupon: { code: 'WELCOME-7KQ2-M9XD-4HPT', percentOff: 10, expiresAt: '2026-12-01T10:00:00.000Z' },
} satisfies WelcomeEmailProps;

export default WelcomeEmail;
