import type * as React from 'react';
import { WelcomeEmail, type WelcomeEmailProps } from './WelcomeEmail';
import { WelcomeReminderEmail, type WelcomeReminderEmailProps } from './WelcomeReminderEmail';
import { WelcomeLastNudgeEmail, type WelcomeLastNudgeEmailProps } from './WelcomeLastNudgeEmail';
import { OrderConfirmationEmail, type OrderConfirmationEmailProps } from './OrderConfirmationEmail';
import { OrderShippedEmail, type OrderShippedEmailProps } from './OrderShippedEmail';
import { OrderDeliveredEmail, type OrderDeliveredEmailProps } from './OrderDeliveredEmail';
import { AbandonedCartEmail, type AbandonedCartEmailProps } from './AbandonedCartEmail';
import { AbandonedCartDiscountEmail, type AbandonedCartDiscountEmailProps } from './AbandonedCartDiscountEmail';
import { AbandonedCartLastChanceEmail, type AbandonedCartLastChanceEmailProps } from './AbandonedCartLastChanceEmail';
import { BackInStockEmail, type BackInStockEmailProps } from './BackInStockEmail';
import { BirthdayEmail, type BirthdayEmailProps } from './BirthdayEmail';
import { NurturePieceEmail, type NurturePieceEmailProps } from './NurturePieceEmail';
import { ReplenishmentEmail, type ReplenishmentEmailProps } from './ReplenishmentEmail';
import { PostPurchaseThankYouEmail, type PostPurchaseThankYouEmailProps } from './PostPurchaseThankYouEmail';
import { ReviewRequestEmail, type ReviewRequestEmailProps } from './ReviewRequestEmail';
import { CrossSellEmail, type CrossSellEmailProps } from './CrossSellEmail';
import { WinBackEmail, type WinBackEmailProps } from './WinBackEmail';
import { WinBackLastChanceEmail, type WinBackLastChanceEmailProps } from './WinBackLastChanceEmail';
import { VipInvitationEmail, type VipInvitationEmailProps } from './VipInvitationEmail';
import { OrderChangeEmail, type OrderChangeEmailProps } from './OrderChangeEmail';
import { BrowseAbandonmentEmail, type BrowseAbandonmentEmailProps } from './BrowseAbandonmentEmail';
import { SunsetCheckEmail, type SunsetCheckEmailProps } from './SunsetCheckEmail';
import type { EmailContext } from './components/email-context';

/**
 * The catalogue of templates the send path can render, keyed by the name workflows use.
 * Workflows import only the *types* from here (`TemplateName`, `TemplateData`); the send
 * activity renders. Adding a template = one file in emails/ + one line here.
 */
export interface TemplateProps {
  welcome: WelcomeEmailProps;
  'welcome-reminder': WelcomeReminderEmailProps;
  'welcome-last-nudge': WelcomeLastNudgeEmailProps;
  'order-confirmation': OrderConfirmationEmailProps;
  'order-shipped': OrderShippedEmailProps;
  'order-delivered': OrderDeliveredEmailProps;
  'abandoned-cart': AbandonedCartEmailProps;
  'abandoned-cart-discount': AbandonedCartDiscountEmailProps;
  'abandoned-cart-last-chance': AbandonedCartLastChanceEmailProps;
  'back-in-stock': BackInStockEmailProps;
  birthday: BirthdayEmailProps;
  'nurture-piece': NurturePieceEmailProps;
  replenishment: ReplenishmentEmailProps;
  'post-purchase-thank-you': PostPurchaseThankYouEmailProps;
  'review-request': ReviewRequestEmailProps;
  'cross-sell': CrossSellEmailProps;
  'win-back': WinBackEmailProps;
  'win-back-last-chance': WinBackLastChanceEmailProps;
  'vip-invitation': VipInvitationEmailProps;
  'order-change': OrderChangeEmailProps;
  'browse-abandonment': BrowseAbandonmentEmailProps;
  'sunset-check': SunsetCheckEmailProps;
}

export type TemplateName = keyof TemplateProps;
/**
 * What a journey supplies: the template's props less what the send path fills in — the
 * context (recipient, footer, unsubscribe link) and the coupon, issued only when the message
 * really goes out.
 */
export type TemplateData<T extends TemplateName> = Omit<TemplateProps[T], 'context' | 'coupon'>;

/** A template module's default export: the component with its subject line and preview data. */
export type TemplateComponent<P> = ((props: P) => React.ReactElement) & {
  subject: (props: P) => string;
  PreviewProps: P;
};

export const templates: { [K in TemplateName]: TemplateComponent<TemplateProps[K]> } = {
  welcome: WelcomeEmail,
  'welcome-reminder': WelcomeReminderEmail,
  'welcome-last-nudge': WelcomeLastNudgeEmail,
  'order-confirmation': OrderConfirmationEmail,
  'order-shipped': OrderShippedEmail,
  'order-delivered': OrderDeliveredEmail,
  'abandoned-cart': AbandonedCartEmail,
  'abandoned-cart-discount': AbandonedCartDiscountEmail,
  'abandoned-cart-last-chance': AbandonedCartLastChanceEmail,
  'back-in-stock': BackInStockEmail,
  birthday: BirthdayEmail,
  'nurture-piece': NurturePieceEmail,
  replenishment: ReplenishmentEmail,
  'post-purchase-thank-you': PostPurchaseThankYouEmail,
  'review-request': ReviewRequestEmail,
  'cross-sell': CrossSellEmail,
  'win-back': WinBackEmail,
  'win-back-last-chance': WinBackLastChanceEmail,
  'vip-invitation': VipInvitationEmail,
  'order-change': OrderChangeEmail,
  'browse-abandonment': BrowseAbandonmentEmail,
  'sunset-check': SunsetCheckEmail,
};

export type { EmailContext };
