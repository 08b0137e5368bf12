import { Type } from './type.js';
import { Nullable, Timestamp } from './common.js';

export const ImageStatus = Type.Union([Type.Literal('ready'), Type.Literal('building'), Type.Literal('failed'), Type.Literal('missing')]);

export const Image = Type.Object(
  {
    name: Type.String(),
    status: ImageStatus,
    builtin: Type.Boolean({ description: 'Built-in images are built by the server (`POST …/build`); others are imported.' }),
    created_at: Nullable(Timestamp('When it was made.')),
    size_bytes: Nullable(Type.Integer({ description: 'Apparent size of the image tree in bytes, measured once when it was made.' })),
    error: Nullable(Type.String({ description: 'Why its last build or import failed.' })),
  },
  { title: 'Image' },
);

export const ImageList = Type.Object({ images: Type.Array(Image) }, { title: 'ImageList' });
