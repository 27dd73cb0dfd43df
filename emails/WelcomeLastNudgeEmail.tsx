import * as React from 'react';
import { Button, Heading, Img, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { ProductRow } from './components/ProductRow';
import { colors, paragraph, heading, subheading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import type { ProductCard } from './components/product';
import type { NurturePieceView } from './NurturePieceEmail';
import { previewContext } from './components/preview-fixtures';

export interface WelcomeLastNudgeEmailProps {
  context: EmailContext;
  /** the shop's bestsellers in stock (the send path re-checks stock and drops sold-out ones) */
  items?: ProductCard[];
  /** or one piece from the content catalog, in the catalog's language */
  piece?: NurturePieceView;
}

const productTitle = { color: colors.ink, fontSize: '15px', lineHeight: '22px', margin: 0 };
const price = { color: '#555', fontSize: '14px', lineHeight: '20px', margin: '0 0 8px' };
const smallButton = { ...button, fontSize: '13px', padding: '8px 14px' };

/**
 * The welcome series' last email, for a customer who signed up and has not bought: no code
 * this time, a hand to find a first favourite (what others buy most, or a good read).
 */
export function WelcomeLastNudgeEmail({ context, items, piece }: WelcomeLastNudgeEmailProps) {
  const { t, money } = context.i18n;
  const showProducts = !!items?.length;
  return (
    <Layout context={context} preview={t('welcomeLastNudge.preview')}>
      <Heading style={heading}>{t('welcomeLastNudge.heading')}</Heading>
      <Greeting context={context} />
      {showProducts ? (
        <>
          <Text style={paragraph}>{t('welcomeLastNudge.bodyBestsellers')}</Text>
          <Section>
            {items!.map((item) => (
              <ProductRow key={item.productId} title={item.title} imageUrl={item.imageUrl} imageSize={88}>
                <Text style={productTitle}>{item.title}</Text>
                <Text style={price}>{money(item.price, item.currency)}</Text>
                <Button href={item.url} style={smallButton}>
                  {t('welcomeLastNudge.productButton')}
                </Button>
              </ProductRow>
            ))}
          </Section>
        </>
      ) : piece ? (
        <>
          <Text style={paragraph}>{t('welcomeLastNudge.bodyContent')}</Text>
          {piece.imageUrl ? <Img src={piece.imageUrl} alt="" width="496" style={{ maxWidth: '100%' }} /> : null}
          <Heading as="h2" style={subheading}>
            {piece.title}
          </Heading>
          <Text style={paragraph}>{piece.summary}</Text>
          <Section>
            <Button href={piece.url} style={button}>
              {t('welcomeLastNudge.readButton')}
            </Button>
          </Section>
        </>
      ) : null}
      <Text style={paragraph}>{t('welcomeLastNudge.signOff', { shopName: context.shopName })}</Text>
    </Layout>
  );
}

WelcomeLastNudgeEmail.subject = (p: WelcomeLastNudgeEmailProps) =>
  p.items?.length
    ? p.context.i18n.t('welcomeLastNudge.subjectBestsellers')
    : p.context.i18n.t('welcomeLastNudge.subjectContent', { shopName: p.context.shopName });

WelcomeLastNudgeEmail.PreviewProps = {
  context: previewContext,
  items: [
    {
      productId: 'tea-sencha',
      title: 'Sencha green tea, 100 g',
      price: 12.5,
      currency: 'EUR',
      url: 'https://shop.example.com/p/tea-sencha',
      imageUrl: 'https://shop.example.com/img/tea-sencha.jpg',
    },
    {
      productId: 'kyusu-pot',
      title: 'Tokoname kyusu teapot',
      price: 64,
      currency: 'EUR',
      url: 'https://shop.example.com/p/kyusu-pot',
    },
  ],
} satisfies WelcomeLastNudgeEmailProps;

export default WelcomeLastNudgeEmail;
