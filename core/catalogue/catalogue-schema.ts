import { z } from 'zod';
import {
  CLOUDS,
  type Cloud,
  RESOURCE_KINDS,
  SITES,
  type Target,
  type TargetCatalogue,
} from '../model/target.ts';
import { DEFAULT_VOLUME_TYPES, STANDARD_VOLUME_TYPE } from './volume-types.ts';

/** The shape of `policies/targets.yaml`. Secrets never live here: only references (`credentialsRef`). */
const logicalName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'lowercase letters, digits, dots and dashes');

const attributes = z
  .object({
    jurisdiction: z.string().min(2),
    hipaaEligible: z.boolean(),
    encryptionAtRest: z.boolean(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));

const cloudSettingsBlocks = Object.fromEntries(
  CLOUDS.map((cloud) => [cloud, z.record(z.string(), z.unknown()).optional()]),
) as Record<Cloud, z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>>;

const connectionValue = z.union([z.string(), z.number(), z.boolean()]);

const target = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes'),
    cloud: z.enum(CLOUDS),
    region: z.string().min(1),
    site: z.enum(SITES),
    description: z.string().default(''),
    kinds: z.array(z.enum(RESOURCE_KINDS)).min(1).default(['vm', 'volume', 'bucket', 'network']),
    attributes,
    ranking: z
      .object({ preference: z.number().default(0), costPerVcpuHour: z.number().nonnegative().default(0) })
      .default({ preference: 0, costPerVcpuHour: 0 }),
    sizes: z.record(logicalName, z.string().min(1)).default({}),
    images: z.record(logicalName, z.string().min(1)).default({}),
    volumeTypes: z.record(logicalName, z.string().min(1)).optional(),
    connection: z
      .record(z.string(), connectionValue)
      .refine((c) => !Object.keys(c).some((k) => /secret|password|token/i.test(k) && !/Ref$/.test(k)), {
        message: 'connection must not hold secrets; name a reference (e.g. credentialsRef) instead',
      })
      .default({}),
    // A block named after a cloud holds settings only that cloud's connector reads (and validates).
    ...cloudSettingsBlocks,
  })
  .superRefine((t, ctx) => {
    for (const cloud of CLOUDS)
      if (cloud !== t.cloud && t[cloud] !== undefined)
        ctx.addIssue({ code: 'custom', path: [cloud], message: `${cloud} settings on a ${t.cloud} target` });
  });

export const catalogueSchema = z
  .object({
    sizes: z.record(
      logicalName,
      z.object({
        vcpus: z.number().int().positive(),
        ramMiB: z.number().int().positive(),
        diskGiB: z.number().int().positive(),
      }),
    ),
    images: z.record(logicalName, z.object({ description: z.string().default('') })),
    volumeTypes: z
      .record(logicalName, z.object({ description: z.string().default('') }))
      .default(DEFAULT_VOLUME_TYPES)
      .refine((types) => STANDARD_VOLUME_TYPE in types, {
        message: `must list ${STANDARD_VOLUME_TYPE} (the type a volume gets when none is asked for)`,
      }),
    targets: z.array(target).min(1),
  })
  .superRefine((catalogue, ctx) => {
    const seen = new Set<string>();
    catalogue.targets.forEach((t, i) => {
      if (seen.has(t.id))
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `duplicate id ${t.id}` });
      seen.add(t.id);
      for (const size of Object.keys(t.sizes))
        if (!(size in catalogue.sizes))
          ctx.addIssue({
            code: 'custom',
            path: ['targets', i, 'sizes', size],
            message: `unknown logical size ${size}`,
          });
      for (const type of Object.keys(t.volumeTypes ?? {}))
        if (!(type in catalogue.volumeTypes))
          ctx.addIssue({
            code: 'custom',
            path: ['targets', i, 'volumeTypes', type],
            message: `unknown logical volume type ${type}`,
          });
      for (const image of Object.keys(t.images))
        if (!(image in catalogue.images))
          ctx.addIssue({
            code: 'custom',
            path: ['targets', i, 'images', image],
            message: `unknown logical image ${image}`,
          });
    });
  });

export type CatalogueInput = z.input<typeof catalogueSchema>;

export function describeCatalogueIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** The parsed document as the core's catalogue: each target's own cloud block becomes its `cloudSettings`. */
export function asCatalogue(parsed: z.output<typeof catalogueSchema>): TargetCatalogue {
  return {
    sizes: parsed.sizes,
    images: parsed.images,
    volumeTypes: parsed.volumeTypes,
    targets: parsed.targets.map((parsedTarget) => {
      const target: Record<string, unknown> = { ...parsedTarget };
      for (const cloud of CLOUDS) delete target[cloud];
      const settings = parsedTarget[parsedTarget.cloud];
      return (settings ? { ...target, cloudSettings: settings } : target) as unknown as Target;
    }),
  };
}
