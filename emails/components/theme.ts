/**
 * The look every email shares: colours, type and the few block styles templates use. Inline
 * style objects, because mail clients drop <style> sheets; change the brand here, in one place.
 */
export const colors = {
  page: '#f6f6f4',
  card: '#ffffff',
  ink: '#111111',
  text: '#222222',
  muted: '#8a8a86',
  onInk: '#ffffff',
};

const fontFamily = 'Helvetica, Arial, sans-serif';

export const page = { backgroundColor: colors.page, fontFamily, margin: 0 };
export const card = { backgroundColor: colors.card, margin: '24px auto', padding: '32px', maxWidth: '560px' };
export const shopNameLink = { color: colors.ink, fontSize: '20px', fontWeight: 700 };
export const footerText = { color: colors.muted, fontSize: '12px', lineHeight: '18px' };
export const footerLink = { color: colors.muted };

export const paragraph = { color: colors.text, fontSize: '15px', lineHeight: '24px' };
export const heading = { color: colors.ink, fontSize: '24px', lineHeight: '32px', fontWeight: 700 };
export const subheading = { color: colors.ink, fontSize: '17px', lineHeight: '24px', fontWeight: 700, margin: '24px 0 0' };
export const button = {
  backgroundColor: colors.ink,
  borderRadius: '6px',
  color: colors.onInk,
  display: 'inline-block',
  fontSize: '15px',
  padding: '12px 20px',
  textDecoration: 'none',
};
export const codeBox = {
  border: `2px dashed ${colors.ink}`,
  fontSize: '22px',
  fontWeight: 700,
  letterSpacing: '2px',
  padding: '12px',
  textAlign: 'center' as const,
};
