import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { BackupPolicyService } from '../../core/backups/backup-policy-service.ts';
import { toBackupPolicyView } from '../../core/model/backup-policy.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import {
  BackupPolicyInputSchema,
  BackupPolicyPageSchema,
  BackupPolicySchema,
} from '../schemas/backup-policy.ts';
import { IdParamSchema, PageQuerySchema, problemResponses } from '../schemas/common.ts';
import { json, jsonBody } from './json-content.ts';

/** `/v1/backup-policies`: scheduled snapshots of a tenant's volumes, written by its admins. */
export function backupPolicyRoutes(
  policies: BackupPolicyService,
  authorizer: Authorizer,
): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const PolicyId = IdParamSchema('bkp');
  const audit = (id: string) => ({ resource: { type: 'backupPolicy', id } });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/backup-policies',
      tags: ['Backups'],
      summary: 'Create a backup policy (admin): a cron schedule, a retention and the volumes it takes',
      middleware: [action(authorizer, 'backupPolicy.create', 'backupPolicy')],
      request: jsonBody(BackupPolicyInputSchema),
      responses: { 201: json(BackupPolicySchema, 'created'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const policy = await policies.create(c.var.principal, c.req.valid('json'));
      c.set('audit', audit(policy.id));
      c.header('location', `/v1/backup-policies/${policy.id}`);
      return c.json(toBackupPolicyView(policy), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/backup-policies',
      tags: ['Backups'],
      summary: "The tenant's backup policies, with each one's last run",
      middleware: [action(authorizer, 'backupPolicy.list', 'backupPolicy')],
      request: { query: PageQuerySchema },
      responses: { 200: json(BackupPolicyPageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const found = await policies.list(c.var.principal, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(
        {
          items: found.items.map(toBackupPolicyView),
          ...(found.nextCursor ? { nextCursor: found.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/backup-policies/{id}',
      tags: ['Backups'],
      summary: 'A backup policy',
      middleware: [action(authorizer, 'backupPolicy.read', 'backupPolicy')],
      request: { params: PolicyId },
      responses: { 200: json(BackupPolicySchema, 'the policy'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(toBackupPolicyView(await policies.get(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/backup-policies/{id}',
      tags: ['Backups'],
      summary: 'Replace a backup policy (admin); slots already run stay run',
      middleware: [action(authorizer, 'backupPolicy.update', 'backupPolicy')],
      request: { params: PolicyId, ...jsonBody(BackupPolicyInputSchema) },
      responses: { 200: json(BackupPolicySchema, 'replaced'), ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const policy = await policies.update(c.var.principal, id, c.req.valid('json'));
      c.set('audit', audit(id));
      return c.json(toBackupPolicyView(policy), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/backup-policies/{id}',
      tags: ['Backups'],
      summary: 'Delete a backup policy (admin): no more runs; its snapshots stay',
      middleware: [action(authorizer, 'backupPolicy.delete', 'backupPolicy')],
      request: { params: PolicyId },
      responses: { 200: json(BackupPolicySchema, 'deleted'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const removed = await policies.delete(c.var.principal, id);
      c.set('audit', audit(id));
      return c.json(toBackupPolicyView(removed), 200);
    },
  );
  return app;
}
