import { Type } from './type.js';

/**
 * A domain pattern: a host name (`github.com`), a wildcard for its subdomains (`*.github.com`)
 * or `*` for every name. Compared without case and without a trailing dot.
 */
const DomainPattern = Type.String({ minLength: 1, maxLength: 255, pattern: '^(\\*|(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\\.?)$' });

export const DomainRule = Type.Object(
  {
    domain: DomainPattern,
    action: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  },
  // Validators that drop unknown fields would turn a rule with both into a domain rule.
  { title: 'DomainRule', additionalProperties: false, not: { properties: { include: {} }, required: ['include'] } },
);

export const IncludeRule = Type.Object(
  { include: Type.Literal('defaults', { description: 'A preset of rules: `defaults` allows source hosting, package and container registries and major AI APIs.' }) },
  { title: 'IncludeRule', additionalProperties: false, not: { anyOf: [{ properties: { domain: {} }, required: ['domain'] }, { properties: { action: {} }, required: ['action'] }] } },
);

export const NetworkPolicy = Type.Object(
  {
    rules: Type.Array(Type.Union([DomainRule, IncludeRule]), {
      maxItems: 1000,
      description: 'Exact names beat `*.x` patterns, which beat `*`. An empty list means no enforcement; otherwise a name no rule matches is denied.',
    }),
  },
  { title: 'NetworkPolicy', additionalProperties: false },
);
