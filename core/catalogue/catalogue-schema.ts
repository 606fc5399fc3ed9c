import { z } from 'zod';
import { CLOUDS, RESOURCE_KINDS, SITES, type TargetCatalogue } from '../model/target.ts';

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

const sandboxSettings = z.object({
  capacity: z.object({
    vcpus: z.number().int().positive(),
    ramMiB: z.number().int().positive(),
    volumeGiB: z.number().int().positive(),
  }),
  timings: z
    .object({
      buildMs: z.number().int().nonnegative().default(1500),
      actionMs: z.number().int().nonnegative().default(500),
      deleteMs: z.number().int().nonnegative().default(500),
      volumeMs: z.number().int().nonnegative().default(300),
    })
    .default({ buildMs: 1500, actionMs: 500, deleteMs: 500, volumeMs: 300 }),
});

const connectionValue = z.union([z.string(), z.number(), z.boolean()]);

const target = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes'),
    cloud: z.enum(CLOUDS),
    region: z.string().min(1),
    site: z.enum(SITES),
    description: z.string().default(''),
    kinds: z.array(z.enum(RESOURCE_KINDS)).min(1).default(['vm', 'volume', 'bucket']),
    attributes,
    ranking: z
      .object({ preference: z.number().default(0), costPerVcpuHour: z.number().nonnegative().default(0) })
      .default({ preference: 0, costPerVcpuHour: 0 }),
    sizes: z.record(logicalName, z.string().min(1)).default({}),
    images: z.record(logicalName, z.string().min(1)).default({}),
    connection: z
      .record(z.string(), connectionValue)
      .refine((c) => !Object.keys(c).some((k) => /secret|password|token/i.test(k) && !/Ref$/.test(k)), {
        message: 'connection must not hold secrets; name a reference (e.g. credentialsRef) instead',
      })
      .default({}),
    sandbox: sandboxSettings.optional(),
  })
  .refine((t) => (t.cloud === 'sandbox') === (t.sandbox !== undefined), {
    message: 'sandbox settings are required on sandbox targets and not allowed on others',
    path: ['sandbox'],
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

/** Narrowing helper: the parsed output is structurally a TargetCatalogue. */
export function asCatalogue(parsed: z.output<typeof catalogueSchema>): TargetCatalogue {
  return parsed as TargetCatalogue;
}
