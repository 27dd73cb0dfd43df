import type * as React from 'react';
import { WelcomeEmail, type WelcomeEmailProps } from './WelcomeEmail';
import { WelcomeReminderEmail, type WelcomeReminderEmailProps } from './WelcomeReminderEmail';
import type { EmailContext } from './components/Layout';

/**
 * The catalogue of templates the send path can render, keyed by the name workflows use.
 * Workflows import only the *types* from here (`TemplateName`, `TemplateData`); the send
 * activity renders. Adding a template = one file in emails/ + one line here.
 */
export interface TemplateProps {
  welcome: WelcomeEmailProps;
  'welcome-reminder': WelcomeReminderEmailProps;
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
};

export type { EmailContext };
