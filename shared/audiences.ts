/**
 * Audiences by custom profile attribute, one matcher for every place that decides by them: the
 * routing table (who a journey starts for) and the send path (who a step goes to, at send time).
 * Pure: no I/O, usable on both sides.
 */
export type AttributeValue = string | number | boolean;

/** Every attribute listed must have one of its values: `{ "tier": ["gold", "platinum"] }`. */
export type Audience = Record<string, AttributeValue[]>;

/** Whether a customer with these attributes is in the audience (a customer without a listed attribute is outside). */
export function inAudience(audience: Audience, attributes: Record<string, AttributeValue> | null | undefined): boolean {
  const own = attributes ?? {};
  return Object.entries(audience).every(([key, allowed]) => Object.prototype.hasOwnProperty.call(own, key) && allowed.includes(own[key]));
}
