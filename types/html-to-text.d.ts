/**
 * Types for the part of html-to-text we call (`compile`, with React Email's own selectors). The
 * package ships none, and @types/html-to-text describes version 9; React Email's renderer, which
 * depends on version 10 itself, names these same types in its declarations.
 */
declare module 'html-to-text' {
  export interface SelectorDefinition {
    selector: string;
    format?: string;
    options?: Record<string, unknown>;
  }
  export interface HtmlToTextOptions {
    /** characters per line, or false for no wrapping */
    wordwrap?: number | false | null;
    selectors?: SelectorDefinition[];
    [option: string]: unknown;
  }
  /** A converter with the options applied once: the cheap way to convert many documents. */
  export function compile(options?: HtmlToTextOptions): (html: string, metadata?: unknown) => string;
  export function convert(html: string, options?: HtmlToTextOptions, metadata?: unknown): string;
}
