import {
  Array as ArrayType,
  Boolean as BooleanType,
  Integer,
  Literal,
  Null,
  Number as NumberType,
  Object as ObjectType,
  Optional,
  Record as RecordType,
  String as StringType,
  Union,
  Unknown,
} from '@sinclair/typebox';

/**
 * The TypeBox builders the schemas use. TypeBox's own `Type` object holds every builder, and a
 * bundle that touches it carries all of them; the client (and so every CLI start) loads these
 * schemas, so it gets only what is listed here.
 */
export const Type = {
  Array: ArrayType,
  Boolean: BooleanType,
  Integer,
  Literal,
  Null,
  Number: NumberType,
  Object: ObjectType,
  Optional,
  Record: RecordType,
  String: StringType,
  Union,
  Unknown,
};
