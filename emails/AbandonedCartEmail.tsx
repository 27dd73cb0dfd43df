import * as React from 'react';
import { Button, Heading, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewCartItem, previewCartUrl, previewContext } from './components/preview-fixtures';
import { LineItems, describeItems, type LineItem } from './components/LineItems';

export interface AbandonedCartEmailProps {
  context: EmailContext;
  cartUrl: string;
  /** only products still in stock: the send path drops sold-out ones at send time */
  items: LineItem[];
}

export function AbandonedCartEmail({ context, cartUrl, items }: AbandonedCartEmailProps) {
  const { t } = context.i18n;
  return (
    <Layout context={context} preview={t('abandonedCart.preview', { items: describeItems(items, context.i18n) })}>
      <Heading style={heading}>{t('abandonedCart.heading')}</Heading>
      <Greeting context={context} />
      <Text style={paragraph}>{t('abandonedCart.body')}</Text>
      <LineItems items={items} i18n={context.i18n} />
      <Section>
        <Button href={cartUrl} style={button}>
          {t('abandonedCart.button')}
        </Button>
      </Section>
    </Layout>
  );
}

AbandonedCartEmail.subject = (p: AbandonedCartEmailProps) =>
  p.context.i18n.t('abandonedCart.subject', { items: describeItems(p.items, p.context.i18n) });

AbandonedCartEmail.PreviewProps = {
  context: previewContext,
  cartUrl: previewCartUrl,
  items: [{ ...previewCartItem, imageUrl: 'https://shop.example.com/img/tea-sencha.jpg' }],
} satisfies AbandonedCartEmailProps;

export default AbandonedCartEmail;
