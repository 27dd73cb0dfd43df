import * as React from 'react';
import { Button, Heading, Img, Section, Text } from '@react-email/components';
import { Layout, Greeting } from './components/Layout';
import { paragraph, heading, button } from './components/theme';
import type { EmailContext } from './components/email-context';
import { previewContext } from './components/preview-fixtures';

/** One piece from the content catalog (content/nurture-catalog.json). */
export interface NurturePieceView {
  id: string;
  title: string;
  summary: string;
  url: string;
  imageUrl?: string;
}

export interface NurturePieceEmailProps {
  context: EmailContext;
  piece: NurturePieceView;
  /** 1 for the first piece a lead receives: it gets a line of welcome */
  pieceNumber: number;
}

const muted = { color: '#666', fontSize: '13px', lineHeight: '20px' };

/** The piece itself (title, summary) is the content team's text, in the catalog's language. */
export function NurturePieceEmail({ context, piece, pieceNumber }: NurturePieceEmailProps) {
  const { t } = context.i18n;
  return (
    <Layout context={context} preview={piece.summary}>
      <Greeting context={context} />
      {pieceNumber === 1 ? <Text style={paragraph}>{t('nurturePiece.firstPiece')}</Text> : null}
      {piece.imageUrl ? <Img src={piece.imageUrl} alt="" width="496" style={{ maxWidth: '100%' }} /> : null}
      <Heading style={heading}>{piece.title}</Heading>
      <Text style={paragraph}>{piece.summary}</Text>
      <Section>
        <Button href={piece.url} style={button}>
          {t('nurturePiece.button')}
        </Button>
      </Section>
      <Text style={muted}>{t('nurturePiece.signature', { shopName: context.shopName })}</Text>
    </Layout>
  );
}

NurturePieceEmail.subject = (p: NurturePieceEmailProps) => p.piece.title;

NurturePieceEmail.PreviewProps = {
  context: previewContext,
  pieceNumber: 1,
  piece: {
    id: 'coffee-brewing-basics',
    title: 'Brewing basics: the four things that make a good cup',
    summary: 'Grind size, water temperature, ratio and time — what each one changes and how to adjust them at home.',
    url: 'https://shop.example.com/journal/brewing-basics',
  },
} satisfies NurturePieceEmailProps;

export default NurturePieceEmail;
