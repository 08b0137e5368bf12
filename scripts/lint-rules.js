// Hob's own lint rules: the compiler cannot check a type assertion and a disabled rule checks
// nothing, so each must say why next to it (STYLE.md habit 8).

/** The nearest ancestor that is a statement or class member: a comment above it explains what is inside. */
function enclosingStatement(node) {
  for (let current = node.parent; current; current = current.parent) {
    if (/Statement$|Declaration$|^(PropertyDefinition|MethodDefinition|TSPropertySignature)$/.test(current.type)) return current;
  }
  return node;
}

const assertionNeedsWhy = {
  meta: {
    type: 'suggestion',
    docs: { description: 'A type assertion (`as`, `<T>`, `!`) carries a comment saying why it holds' },
    schema: [],
    messages: { missing: 'say why this {{kind}} holds in a comment on its line or just above its statement' },
  },
  create(context) {
    const comments = context.sourceCode.getAllComments();
    // A comment counts from the line above the statement down to the assertion's last line.
    function explained(node) {
      const from = enclosingStatement(node).loc.start.line - 1;
      const to = node.loc.end.line;
      return comments.some((comment) => comment.loc.end.line >= from && comment.loc.start.line <= to);
    }
    // `as const`, `as unknown` and `[] as T[]` assert nothing that could be false.
    function check(node, kind) {
      const annotation = node.typeAnnotation;
      if (annotation?.type === 'TSUnknownKeyword') return;
      if (node.expression?.type === 'ArrayExpression' && node.expression.elements.length === 0) return;
      if (annotation?.type === 'TSTypeReference' && annotation.typeName.type === 'Identifier' && annotation.typeName.name === 'const') return;
      if (!explained(node)) context.report({ node, messageId: 'missing', data: { kind } });
    }
    return {
      TSAsExpression: (node) => check(node, '`as` assertion'),
      TSTypeAssertion: (node) => check(node, 'type assertion'),
      TSNonNullExpression: (node) => check(node, 'non-null assertion'),
    };
  },
};

// A blanket `eslint-disable` (no rule named) silences this rule too; review catches those.
const disableNeedsWhy = {
  meta: {
    type: 'suggestion',
    docs: { description: 'An eslint-disable comment says why after ` -- `' },
    schema: [],
    messages: { missing: 'say why the rule is off here: `eslint-disable… rule -- reason`' },
  },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          const text = comment.value.trim();
          if (/^eslint-disable(-next-line|-line)?\b/.test(text) && !/\s--\s+\S/.test(text)) {
            context.report({ loc: comment.loc, messageId: 'missing' });
          }
        }
      },
    };
  },
};

export default {
  meta: { name: 'hob' },
  rules: { 'assertion-needs-why': assertionNeedsWhy, 'disable-needs-why': disableNeedsWhy },
};
