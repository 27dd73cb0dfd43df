import * as React from 'react';
import { Button, Heading, Link, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { ProductRow } from './components/ProductRow';
import { colors, paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';

/** The product running out; `items` so the send path's stock check sees it (never promote a sold-out product). */
export interface ReplenishmentItem {
  productId: string;
  title: string;
  url: string;
  imageUrl?: string;
}

export interface ReplenishmentEmailProps {
  context: EmailContext;
  items: [ReplenishmentItem];
  /** when the last order should run out, ISO-8601 */
  runsOutAt: string;
  /** signed links to the snooze / pick-a-date page */
  snoozeUrl: string;
  rescheduleUrl: string;
  /** how far "snooze" moves the reminder, as the journey is configured ('7 days') */
  snoozeBy: string;
}

const secondary = { ...button, backgroundColor: colors.card, color: colors.ink, border: `1px solid ${colors.ink}`, marginLeft: '8px' };
const small = { color: '#555', fontSize: '13px', lineHeight: '20px' };

export function ReplenishmentEmail({ context, items: [product], runsOutAt, snoozeUrl, rescheduleUrl, snoozeBy }: ReplenishmentEmailProps) {
  const { t, date, duration } = context.i18n;
  // the gap between the two buttons sits on the side the second one follows
  const secondaryAfterFirst = context.i18n.dir === 'rtl' ? { marginLeft: 0, marginRight: '8px' } : {};
  return (
    <Layout context={context} preview={t('replenishment.preview', { title: product.title })}>
      <Heading style={heading}>{t('replenishment.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('replenishment.body', { title: product.title, runsOutOn: date(runsOutAt) })}</Text>
      <Section>
        <ProductRow title={product.title} imageUrl={product.imageUrl} imageSize={80} divider={false}>
          <Link href={product.url} style={{ color: colors.ink, fontSize: '16px', fontWeight: 700 }}>
            {product.title}
          </Link>
        </ProductRow>
      </Section>
      <Section style={{ marginTop: '16px' }}>
        <Button href={product.url} style={button}>
          {t('replenishment.reorderButton', { title: product.title })}
        </Button>
      </Section>
      <Text style={small}>{t('replenishment.later')}</Text>
      <Section>
        <Button href={snoozeUrl} style={{ ...secondary, marginLeft: 0 }}>
          {t('replenishment.snoozeButton', { snoozeBy: duration(snoozeBy) })}
        </Button>
        <Button href={rescheduleUrl} style={{ ...secondary, ...secondaryAfterFirst }}>
          {t('replenishment.pickDateButton')}
        </Button>
      </Section>
    </Layout>
  );
}

ReplenishmentEmail.subject = (p: ReplenishmentEmailProps) => p.context.i18n.t('replenishment.subject', { title: p.items[0].title });

ReplenishmentEmail.PreviewProps = {
  context: previewContext,
  items: [
    {
      productId: 'coffee-beans-1kg',
      title: 'House blend coffee beans, 1 kg',
      url: 'https://shop.example.com/products/house-blend-1kg',
      imageUrl: 'https://shop.example.com/images/house-blend.jpg',
    },
  ],
  runsOutAt: '2026-03-01T00:00:00.000Z',
  snoozeUrl: 'https://shop.example.com/r/preview-token?choice=snooze',
  rescheduleUrl: 'https://shop.example.com/r/preview-token?choice=reschedule',
  snoozeBy: '7 days',
} satisfies ReplenishmentEmailProps;

export default ReplenishmentEmail;
