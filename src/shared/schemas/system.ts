import { Type } from './type.js';

export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String() }, { title: 'Health' });

/** Only its version is promised here; the document itself is checked against the OpenAPI 3.1 schema by a test. */
export const OpenApiDocument = Type.Object({ openapi: Type.Literal('3.1.0') }, { additionalProperties: true, title: 'OpenApiDocument' });
