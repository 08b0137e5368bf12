import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifySchemaValidationError, FastifyServerOptions } from 'fastify';
import { HobError } from '../../shared/errors.js';

type SchemaErrorDataVar = Parameters<NonNullable<FastifyServerOptions['schemaErrorFormatter']>>[1];

const common: Options = {
  // Fields a schema does not name are dropped, not refused: clients newer than the server still work.
  removeAdditional: true,
  useDefaults: true,
  allErrors: false,
  // The error formatter reads the rejected value to tell a repeated query parameter from a wrong one.
  verbose: true,
  strict: true,
};

/**
 * Request schemas are checked by ajv: JSON bodies exactly as sent (a string is not a number),
 * path and query parameters, which are strings on the wire, coerced to the schema's types. A
 * query parameter given twice arrives as an array, which a single-valued schema refuses.
 */
export function requestValidators(): (schema: object, httpPart: string | undefined) => ValidateFunction {
  const strictAjv = new Ajv({ ...common, coerceTypes: false });
  const coercingAjv = new Ajv({ ...common, coerceTypes: 'array' });
  return (schema, httpPart) => (httpPart === 'body' ? strictAjv.compile(schema) : onlyFiniteNumbers(coercingAjv.compile(schema)));
}

/**
 * Ajv coerces "1e400" and "Infinity" to Infinity and then skips the integer and range checks
 * for it (they are guarded by isFinite), so such a number would reach the handler. Path and
 * query objects are flat, so one level is all there is to look at.
 */
function onlyFiniteNumbers(validate: ValidateFunction): ValidateFunction {
  const guarded = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    if (!validate(data, context)) {
      guarded.errors = validate.errors;
      return false;
    }
    const entries = typeof data === 'object' && data !== null ? Object.entries(data) : [];
    const bad = entries.find(([, value]) => typeof value === 'number' && !Number.isFinite(value));
    guarded.errors = bad === undefined ? null : [{ instancePath: `/${bad[0]}`, schemaPath: '#', keyword: 'finite', params: {}, message: 'must be a finite number' }];
    return bad === undefined;
  }) as ValidateFunction; // same call signature; the fields below are all fastify reads
  guarded.schema = validate.schema;
  guarded.schemaEnv = validate.schemaEnv;
  return guarded;
}

export function installValidation(app: FastifyInstance): void {
  const compile = requestValidators();
  app.setValidatorCompiler(({ schema, httpPart }) => compile(schema as object, httpPart)); // route schemas are JSON Schema objects
  app.setSchemaErrorFormatter(schemaError);
}

/** A schema failure as a 400 that names the field: `config.ram_mb must be integer`. */
export function schemaError(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): HobError {
  const ajvErrors = errors as ErrorObject[]; // the validator compiler above is ajv, which reports ErrorObjects
  // A union of literals fails once per branch and then as anyOf; the anyOf error says it best.
  const error = ajvErrors.find(isChoiceOfConstants) ?? ajvErrors[0];
  if (error === undefined) return new HobError('bad_request', `invalid ${dataVar}`);
  return new HobError('bad_request', describe(error, dataVar));
}

function isChoiceOfConstants(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' && Array.isArray(error.schema) && error.schema.every((branch: unknown) => typeof branch === 'object' && branch !== null && 'const' in branch);
}

function describe(error: ErrorObject, dataVar: SchemaErrorDataVar): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'required') path.push(String(error.params.missingProperty));
  const field = path.join('.');
  const subject =
    field === ''
      ? dataVar === 'body'
        ? 'the request body'
        : `the ${dataVar}`
      : dataVar === 'querystring'
        ? `query parameter ${field}`
        : dataVar === 'params'
          ? `path parameter ${field}`
          : field;
  switch (error.keyword) {
    case 'required':
      return `${subject} is required`;
    case 'type':
      if (dataVar === 'querystring' && Array.isArray(error.data)) return `${subject} may be given only once`;
      return `${subject} must be ${String(error.params.type)}`;
    case 'anyOf':
      if (isChoiceOfConstants(error)) return `${subject} must be one of ${(error.schema as { const: unknown }[]).map((branch) => JSON.stringify(branch.const)).join(', ')}`; // checked by isChoiceOfConstants
      return `${subject} ${error.message ?? 'is invalid'}`;
    default:
      return `${subject} ${error.message ?? 'is invalid'}`;
  }
}
