import { z } from '@hono/zod-openapi';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import { CLOUDS, SITES } from '../../core/model/target.ts';
import { IDEMPOTENCY_KEY_PATTERN } from '../middleware/idempotency.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string().openapi({ example: 'vm.notFound' }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

export const ClassificationSchema = z.enum(CLASSIFICATIONS).openapi('Classification', {
  description: 'phi > pii > internal > public; phi never leaves on-prem targets',
});

// ---------------------------------------------------------------------------------------------------------
// Free text. Every string a client sends goes through one of these: bounded, and printable — no C0 or C1
// control characters (NUL, newlines, escapes) and no bidirectional embedding, override or isolate
// controls (U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F, U+061C), which can make a name or
// an audit record read differently from what it is. Names and tags also refuse `<` and `>`.
// ---------------------------------------------------------------------------------------------------------

// Each rule is one regular expression, so the OpenAPI document states it (`pattern`) and clients and
// fuzzers see exactly what the broker accepts.
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f';
/** C0 controls but tab, line feed and carriage return; DEL and C1. */
const CONTROLS_BUT_LINES = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f';
const BIDI = '\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c';
const NO_CONTROLS = 'no control characters (NUL, newlines, escapes)';
const NO_BIDI = 'no bidirectional control characters (U+202A–U+202E, U+2066–U+2069)';

const PRINTABLE = new RegExp(`^[^${CONTROLS}${BIDI}]*$`);
const LABEL = new RegExp(`^[^${CONTROLS}${BIDI}<>]*$`);
const MULTILINE = new RegExp(`^[^${CONTROLS_BUT_LINES}${BIDI}]*$`);

/** One line of printable text, `min`–`max` characters (`<` and `>` allowed: keys, hosts, free text). */
export const printableText = (max: number, min = 1) =>
  z.string().min(min).max(max).regex(PRINTABLE, `${NO_CONTROLS}; ${NO_BIDI}`);

/** An object key: printable, and not starting with `/` (stores would read it as another path). */
export const objectKeyText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(
      new RegExp(`^[^/${CONTROLS}${BIDI}][^${CONTROLS}${BIDI}]*$`),
      `${NO_CONTROLS}; ${NO_BIDI}; must not start with /`,
    );

/** A label — catalogue names, tag values, filter values: printable, and no `<` or `>`. */
export const labelText = (max: number, min = 1) =>
  z.string().min(min).max(max).regex(LABEL, `${NO_CONTROLS}; ${NO_BIDI}; no < or >`);

/** Multi-line free text (cloud-init user data): bounded, lines allowed, other controls and bidi not. */
export const multilineText = (max: number) =>
  z.string().max(max).regex(MULTILINE, `no control characters other than tab and newlines; ${NO_BIDI}`);

/** Resource names: DNS-label-like, so they are safe in every cloud and every log. */
export const ResourceNameSchema = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'lowercase letters, digits and inner dashes, 1–63 characters',
  );

/** A region of the targets catalogue; which ones exist is checked against the catalogue at placement. */
export const RegionSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a region of the targets catalogue (GET /v1/targets)');

/** A target id of the catalogue. */
export const TargetIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a target id of the catalogue (GET /v1/targets)');

/** A logical size or image name of the catalogue (`small`, `ubuntu-24.04`) or a broker image id. */
export const CatalogueNameSchema = (max: number) =>
  z
    .string()
    .regex(
      new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,${max - 1}}$`),
      `a catalogue name (1–${max} of A-Z a-z 0-9 . _ : / -)`,
    );

/**
 * JSON Schema keywords the metadata type does not list (`propertyNames`, `maxProperties`, `oneOf`); the generator
 * copies them into the document as they are.
 */
export const withJsonSchema = (keywords: Record<string, unknown>) => keywords as Record<string, never>;

const TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9:._/-]{0,62}$/;
/**
 * Tag keys the broker or its policies give meaning to: a client may not set them. `service-endpoint` is
 * designated by an admin (PUT /v1/vms/{id}/service-endpoint), never by a tag.
 */
const RESERVED_TAG_KEY = /^(hcb:|service-endpoint$)/;

export const TagsSchema = z
  .record(
    z
      .string()
      .regex(TAG_KEY, 'tag keys: 1–63 of A-Z a-z 0-9 : . _ / -')
      .refine((k) => !RESERVED_TAG_KEY.test(k), 'reserved tag key (hcb:…, service-endpoint)'),
    labelText(255, 0),
  )
  .refine((tags) => Object.keys(tags).length <= 20, 'at most 20 tags')
  .openapi(
    withJsonSchema({
      description: 'labels (no PHI); keys hcb:… and service-endpoint are reserved',
      // zod's record key check does not reach the document on its own.
      // The published pattern says both rules: the key's shape and the reserved keys.
      propertyNames: { type: 'string', pattern: `^(?!hcb:|service-endpoint$)${TAG_KEY.source.slice(1)}` },
      maxProperties: 20,
    }),
  );

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'page size (1–100)' }),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .openapi({ description: "from the previous page's nextCursor" }),
});

export const IdParamSchema = (prefix: string) =>
  z.object({
    id: z
      .string()
      .regex(new RegExp(`^${prefix}-[0-9a-z]{26}$`), `a ${prefix}- id`)
      .openapi({ param: { name: 'id', in: 'path' }, example: `${prefix}-01jb2x3y4z5a6b7c8d9e0f1g2h` }),
  });

export const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, '1–255 visible ASCII characters')
    .optional()
    .openapi({ description: 'replays the first response for the same key and body (I4)' }),
});

export const TargetRefSchema = z
  .object({
    targetId: z.string(),
    cloud: z.enum(CLOUDS),
    region: z.string(),
    site: z.enum(SITES),
  })
  .openapi('Placement');

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'problem', content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  );

export function page<T extends z.ZodTypeAny>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() }).openapi(name);
}
